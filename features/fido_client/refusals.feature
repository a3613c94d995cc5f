@device @fido_client
Feature: A device's FIDO client when the Device Service refuses
  A refused change leaves the client believing what it did, and it reports the status. On the
  device_signature_expired challenge (401 with WWW-Authenticate: JWS
  error="device_signature_expired", ...) a client may give up and report its clock, or set its
  clock from the answer's Date and try once more: either is accepted, looping is not.

  @req:FIDO-DEV-REFUSED @erratum
  Scenario Outline: A rename refused with <status> leaves the client believing what it did
    Given the bench device's FIDO client acting for "carol-phone" with its dispatch target 1
    And the Device Service answers the next rename with <status>
    When the client renames its dispatch targets to "Carol work phone" with target "fcm-token-carol-work"
    Then the client reports status <status>
    And the client believes what it believed before the refused rename

    Examples:
      | status |
      | 403    |
      | 422    |

  @req:FIDO-DEV-EXPIRED @needs_device_clock @erratum
  Scenario Outline: A client whose clock runs 10 minutes ahead does not loop on the expired challenge (told to <on_expired>)
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 1
    And the FIDO device's clock runs 10 minutes ahead
    When the client reads its credentials, told to <on_expired> on an expired signature
    Then the client sent at most 2 requests for the call
    And the client reported the clock problem, or the answer to its one retry

    Examples:
      | on_expired |
      | report     |
      | resync     |

  @req:FIDO-DEV-EXPIRED @erratum
  Scenario Outline: A client that only ever gets the expired challenge gives up and reports its clock (told to <on_expired>)
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 1
    And the Device Service answers every request with the expired challenge
    When the client reads its credentials, told to <on_expired> on an expired signature
    Then the client sent at most 2 requests for the call
    And the client reported the clock problem

    Examples:
      | on_expired |
      | report     |
      | resync     |
