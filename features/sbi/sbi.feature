@device @sbi @embedded_server_only
Feature: An MDS answers the MOSIP SBI 0.9.5 as the specification defines it
  The MDS under test (the emulated one by default, a vendor's with --mds-sbi-url) is graded only
  by what its SBI answers: discovery (MOSIPDISC /device), device info (MOSIPDINFO /info) and
  capture (CAPTURE, RCAPTURE /capture). The harness plays the management server, so the device
  is registered, in sync and rotated as a scenario scripts it.

  @req:SBI-DISCOVERY
  Scenario Outline: Discovery lists the <device> device with every field in its allowed values
    Given the bench device as "<device>"
    When the MDS starts
    Then discovery lists the device with every field MOSIP defines, in its allowed values
    And the discovered digitalId is unsigned and carries every Digital ID field

    Examples:
      | device            |
      | finger-auth       |
      | iris-registration |

  @req:SBI-DEVICE-INFO
  Scenario Outline: Device info of the <device> device is signed with the device key
    Given the bench device as "<device>"
    When the MDS starts
    Then device info is a JWS signed with the device key, chained to the device trust
    And device info carries every field MOSIP defines, with a signed digitalId

    Examples:
      | device            |
      | finger-auth       |
      | iris-registration |

  @req:SBI-CAPTURE
  Scenario Outline: A <verb> answer carries every field, its data signed with the device key
    Given the bench device as "<device>"
    When the MDS starts
    Then a capture answers every field, its data signed with the device key and stamped with the server's time
    And each capture echoes the transactionId of its request

    Examples:
      | verb     | device            |
      | CAPTURE  | finger-auth       |
      | RCAPTURE | iris-registration |

  @req:SBI-HASH
  Scenario: Registration captures chain their hash as MOSIP defines it
    Given the bench device as "iris-registration"
    When the MDS starts
    Then 3 registration captures chain their hash from the SHA-256 of an empty string

  @req:SBI-REFUSAL
  Scenario Outline: A capture the MDS may not make is refused with a documented error code
    Given the MMS answers the next <api> with <code>
    And the bench device as "<device>"
    When the MDS starts
    Then a capture is refused without data and with a documented non-zero error code

    Examples:
      | api                   | code | device            |
      | msbDeviceSnapshot     | -102 | finger-auth       |
      | msbDeviceRegistration | -103 | iris-registration |

  @req:SBI-ROTATION
  Scenario: After a key rotation the device signs with its new certificate
    Given the MMS grants snapshots valid for 2 seconds
    And the bench device as "iris-registration"
    When the MDS starts
    And the device info's signing certificate is noted
    And the MMS demands a key rotation in its next snapshot answer
    Then device info is signed with another certificate, not older than the one before
    And device info carries every field MOSIP defines, with a signed digitalId
