@device @fido_client
Feature: Every request a device's FIDO client sends is well-formed
  The harness plays the Device Service: its embedded reference service records every request
  and a scenario scripts its answers (the service is set back to its seeded state before and
  after each scenario). The bench device (the emulated one over a real pty and over the
  emulated USB bus by default) holds the FIDO devices' dispatch targets, and the bench asks its
  FIDO client to read its credentials, fetch its out-of-band operations, rename its dispatch
  targets and delete its credentials, and grades what reached the server.

  @req:FIDO-DEV-HEADERS
  Scenario: Every request carries the headers its endpoint requires
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 1
    When the client reads its credentials
    And the client fetches its out-of-band operations
    And the client renames its dispatch targets to "Alice work phone" with target "fcm-token-alice-work"
    And the client deletes its credentials
    Then every request the Device Service received carries the headers its endpoint requires

  @req:FIDO-DEV-SIGNATURE
  Scenario: Every request is signed by a dispatch target of the device it acts for
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 2
    When the client reads its credentials
    And the client fetches its out-of-band operations
    And the client renames its dispatch targets to "Alice work phone" with target "fcm-token-alice-work"
    And the client deletes its credentials
    Then every request is a compact RS256 JWS signed by a dispatch target of the device

  @req:FIDO-DEV-REQUEST-ID
  Scenario: Every request has a requestId of its own of at most 64 characters
    Given the bench device's FIDO client acting for "dave-phone" with its dispatch target 1
    When the client reads its credentials
    And the client reads its credentials
    And the client fetches its out-of-band operations
    And the client renames its dispatch targets to "Dave work phone" with target "fcm-token-dave-work"
    Then every requestId is at most 64 characters and none repeats

  @req:FIDO-DEV-CREATION-TIME @needs_device_clock
  Scenario: creationTimeInEpochMillis is the device's own time, not the host's
    Given the bench device's FIDO client acting for "alice-phone" with its dispatch target 1
    And the FIDO device's clock runs 1 minute ahead
    When the client reads its credentials
    And the client renames its dispatch targets to "Alice work phone" with target "fcm-token-alice-work"
    And the client deletes its credentials
    Then every creationTimeInEpochMillis is the device's time when it sent the request
