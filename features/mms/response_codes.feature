@mms
Feature: Response codes (section 5) for devices the server must not serve
  -101 a device code that is not the device's; -102 a device that is not whitelisted or whose
  whitelisting lapsed; -1001 a server that cannot generate an answer.

  @req:MMS-CODE-101
  Scenario Outline: <api> with a device code that is not the device's gets -101
    Given the fixture device "finger-auth"
    And the device code is "00000000-0000-4000-8000-000000000000"
    When the device sends <api>
    Then the response code is -101
    And the answer carries no device data

    Examples:
      | api               |
      | msbDeviceSnapshot |
      | msbEncryptionCert |
      | msbKeyRotation    |

  @req:MMS-CODE-102
  Scenario Outline: <api> from <case> gets -102
    Given the fixture device "<device>"
    When the device sends <api>
    Then the response code is -102
    And the answer carries no device data

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
    Then the response code is -102
    And the answer carries no device data

    Examples:
      | case                            | field         | value           |
      | a serial number nobody listed   | serialNumber  | BH-UNKNOWN-0000 |
      | a model the whitelist lacks     | modelID       | BH-XX-999       |
      | a purpose the device is not for | devicePurpose | Registration    |

  @req:MMS-CODE-1001 @needs_fault_hook
  Scenario: A server that hits an internal fault cannot generate a response
    Given the fixture device "finger-auth"
    And the server is made to fail its next request
    When the device sends msbDeviceSnapshot
    Then the response code is -1001
    And the answer is a signed envelope from the server
    And the answer carries no device data
