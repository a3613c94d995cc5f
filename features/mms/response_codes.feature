@mms
Feature: Response codes (section 5) for devices the server must not serve
  -101 a device code that is not the device's; -102 a device that is not whitelisted or whose
  whitelisting lapsed; -1001 a server that cannot generate an answer. A -102 answer may carry
  isWhiteListed / isDeviceValid when they agree with it, the echo and the server fields, but
  never the device code, registration state, key expiry or thumbprint (docs/errata.md).

  @req:MMS-CODE-101
  Scenario Outline: <api> with a device code that is not the device's gets -101
    Given the fixture device "<device>"
    And the device code is "00000000-0000-4000-8000-000000000000"
    When the device sends <api>
    Then the response code is -101
    And the answer carries no device data

    Examples:
      | api               | device         |
      | msbDeviceSnapshot | finger-auth    |
      | msbEncryptionCert | finger-auth    |
      | msbKeyRotation    | finger-rotator |

  @req:MMS-CODE-101
  Scenario Outline: <api> with the device code of another registered device gets -101
    Given the fixture device "<device>"
    And the device presents the device code of "finger-rotation-due"
    When the device sends <api>
    Then the response code is -101
    And the answer carries no device data

    Examples:
      | api               | device         |
      | msbDeviceSnapshot | finger-auth    |
      | msbEncryptionCert | finger-auth    |
      | msbKeyRotation    | finger-rotator |

  @req:MMS-CODE-102
  Scenario Outline: <api> from <case> gets -102
    Given the fixture device "<device>"
    When the device sends <api>
    Then the response code is -102 and the answer tells no more than the errata allow

    Examples:
      | case                          | device        | api                   |
      | a device not on the whitelist | face-unlisted | msbDeviceSnapshot     |
      | a device not on the whitelist | face-unlisted | msbEncryptionCert     |
      | a device not on the whitelist | face-unlisted | msbKeyRotation        |
      | a device not on the whitelist | face-unlisted | msbDeviceRegistration |
      | a lapsed whitelisting         | finger-lapsed | msbDeviceSnapshot     |

  @req:MMS-CODE-102
  Scenario Outline: A snapshot naming <case> gets -102
    Given the fixture device "finger-auth"
    And the request field "<field>" is "<value>"
    When the device sends msbDeviceSnapshot
    Then the response code is -102 and the answer tells no more than the errata allow

    Examples:
      | case                            | field         | value           |
      | a serial number nobody listed   | serialNumber  | BH-UNKNOWN-0000 |
      | a model the whitelist lacks     | modelID       | BH-XX-999       |
      | a purpose the device is not for | devicePurpose | Registration    |

  @req:MMS-CODE-1001 @needs_server_fault
  Scenario: A server that hits an internal fault cannot generate a response
    Given the fixture device "finger-auth"
    And the server is made to fail its next request
    When the device sends msbDeviceSnapshot
    Then the response code is -1001
    And the answer is a signed envelope from the server
    And the answer carries no device data
