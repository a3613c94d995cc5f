@device @fido_client
Feature: A device's FIDO client reads and changes its device on the Device Service
  The client opens the JWE answers with its dispatch target's encryption key, and what it
  believes of its dispatch targets and credentials follows the server once a change is done
  (what it believes is read from the emulated client; a bench device whose client does not
  show it skips those scenarios, saying so). The Device Service is the embedded reference one,
  set back to its seeded state before and after each scenario.

  @req:FIDO-DEV-GET
  Scenario: The client reads its credentials from the JWE answer
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 2
    When the client reads its credentials
    Then the client reports status 200
    And the client read the credentials the Device Service sent

  @req:FIDO-DEV-OOB
  Scenario: The client reads its out-of-band operations from the JWE answer
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 1
    When the client fetches its out-of-band operations
    Then the client reports status 200
    And the client read the out-of-band operations the Device Service sent

  @req:FIDO-DEV-UPDATE
  Scenario: The client renames its dispatch targets
    Given the bench device's FIDO client acting for "heidi-phone" with its dispatch target 2
    When the client renames its dispatch targets to "Heidi work phone" with target "fcm-token-heidi-work"
    Then the client reports status 204
    And the Device Service holds the device's dispatch targets as "Heidi work phone" with target "fcm-token-heidi-work"

  @req:FIDO-DEV-UPDATE
  Scenario: Once its rename is done, the client believes the new name
    Given the bench device's FIDO client acting for "ivan-phone" with its dispatch target 1
    When the client renames its dispatch targets to "Ivan work phone" with target "fcm-token-ivan-work"
    Then the client reports status 204
    And the client believes its dispatch targets are "Ivan work phone" with target "fcm-token-ivan-work"

  @req:FIDO-DEV-DELETE
  Scenario: The client deletes its credentials
    Given the bench device's FIDO client acting for "bob-phone" with its dispatch target 1
    When the client deletes its credentials
    Then the client reports status 204
    And the Device Service no longer holds the device

  @req:FIDO-DEV-DELETE
  Scenario: Once its delete is done, the client believes it has no credentials left
    Given the bench device's FIDO client acting for "erin-phone" with its dispatch target 1
    When the client deletes its credentials
    Then the client reports status 204
    And the client believes it has no credentials left
