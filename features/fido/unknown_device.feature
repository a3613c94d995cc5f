@fido
Feature: A device id the server does not know
  The spec's status tables give no code for an unknown deviceId (docs/errata.md): the suite
  expects a refusal (401, 403 or 404, or the status the bench pins), never 200 and never 500.
  carol-phone signs: a rename sets its own name and target again, so it changes nothing.

  @req:FIDO-UNKNOWN-DEVICE @erratum
  Scenario Outline: <request> for a device id nobody knows is refused
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And the request names the device id "00000000-0000-4000-8000-000000000000"
    When the device <request>
    Then the status is the refusal for an unknown device

    Examples:
      | request                         |
      | gets its credentials            |
      | gets its out-of-band operations |
      | renames its dispatch targets    |
      | deletes its credentials         |
