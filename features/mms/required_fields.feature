@mms
Feature: Request fields the server must read to answer (sections 1.1, 2.1, 3.1 and 4.1)
  Every request names the device by serialNumber, modelID and devicePurpose, all strings; the
  server tells whom it serves by them (docs/errata.md: a device claiming another model or purpose
  gets -102). A correctly signed request without a serialNumber, or with one of the three of
  another JSON type, is refused: a non-zero code and no device data beyond what a -102 answer
  may carry. A request that leaves out modelID or devicePurpose claims nothing wrong, and is not
  tried. Fields a server may ignore (hostos, specVersion, env, ...) are not
  tried. csrData and deviceRegistrationRequest have their own codes (key_rotation.feature,
  registration.feature).

  @req:MMS-REQ-FIELDS
  Scenario Outline: <api> whose <field> is <shape> is refused
    Given the fixture device "<device>"
    And the request field "<field>" is sent as <shape>
    When the device sends <api>
    Then the request is refused

    Examples:
      | api                   | device            | field         | shape                       |
      | msbDeviceSnapshot     | finger-auth       | serialNumber  | left out                    |
      | msbDeviceSnapshot     | finger-auth       | serialNumber  | null                        |
      | msbDeviceSnapshot     | finger-auth       | serialNumber  | a number                    |
      | msbDeviceSnapshot     | finger-auth       | serialNumber  | an array holding its value  |
      | msbDeviceSnapshot     | finger-auth       | serialNumber  | an object holding its value |
      | msbDeviceSnapshot     | finger-auth       | modelID       | null                        |
      | msbDeviceSnapshot     | finger-auth       | modelID       | a number                    |
      | msbDeviceSnapshot     | finger-auth       | modelID       | an array holding its value  |
      | msbDeviceSnapshot     | finger-auth       | modelID       | an object holding its value |
      | msbDeviceSnapshot     | finger-auth       | devicePurpose | null                        |
      | msbDeviceSnapshot     | finger-auth       | devicePurpose | a number                    |
      | msbDeviceSnapshot     | finger-auth       | devicePurpose | an array holding its value  |
      | msbDeviceSnapshot     | finger-auth       | devicePurpose | an object holding its value |
      | msbEncryptionCert     | finger-auth       | serialNumber  | left out                    |
      | msbEncryptionCert     | finger-auth       | serialNumber  | null                        |
      | msbEncryptionCert     | finger-auth       | serialNumber  | a number                    |
      | msbEncryptionCert     | finger-auth       | serialNumber  | an array holding its value  |
      | msbEncryptionCert     | finger-auth       | serialNumber  | an object holding its value |
      | msbEncryptionCert     | finger-auth       | modelID       | null                        |
      | msbEncryptionCert     | finger-auth       | modelID       | a number                    |
      | msbEncryptionCert     | finger-auth       | modelID       | an array holding its value  |
      | msbEncryptionCert     | finger-auth       | modelID       | an object holding its value |
      | msbEncryptionCert     | finger-auth       | devicePurpose | null                        |
      | msbEncryptionCert     | finger-auth       | devicePurpose | a number                    |
      | msbEncryptionCert     | finger-auth       | devicePurpose | an array holding its value  |
      | msbEncryptionCert     | finger-auth       | devicePurpose | an object holding its value |
      | msbKeyRotation        | finger-rotator    | serialNumber  | left out                    |
      | msbKeyRotation        | finger-rotator    | serialNumber  | null                        |
      | msbKeyRotation        | finger-rotator    | serialNumber  | a number                    |
      | msbKeyRotation        | finger-rotator    | serialNumber  | an array holding its value  |
      | msbKeyRotation        | finger-rotator    | serialNumber  | an object holding its value |
      | msbKeyRotation        | finger-rotator    | modelID       | null                        |
      | msbKeyRotation        | finger-rotator    | modelID       | a number                    |
      | msbKeyRotation        | finger-rotator    | modelID       | an array holding its value  |
      | msbKeyRotation        | finger-rotator    | modelID       | an object holding its value |
      | msbKeyRotation        | finger-rotator    | devicePurpose | null                        |
      | msbKeyRotation        | finger-rotator    | devicePurpose | a number                    |
      | msbKeyRotation        | finger-rotator    | devicePurpose | an array holding its value  |
      | msbKeyRotation        | finger-rotator    | devicePurpose | an object holding its value |
      | msbDeviceRegistration | iris-registration | serialNumber  | left out                    |
      | msbDeviceRegistration | iris-registration | serialNumber  | null                        |
      | msbDeviceRegistration | iris-registration | serialNumber  | a number                    |
      | msbDeviceRegistration | iris-registration | serialNumber  | an array holding its value  |
      | msbDeviceRegistration | iris-registration | serialNumber  | an object holding its value |
      | msbDeviceRegistration | iris-registration | modelID       | null                        |
      | msbDeviceRegistration | iris-registration | modelID       | a number                    |
      | msbDeviceRegistration | iris-registration | modelID       | an array holding its value  |
      | msbDeviceRegistration | iris-registration | modelID       | an object holding its value |
      | msbDeviceRegistration | iris-registration | devicePurpose | null                        |
      | msbDeviceRegistration | iris-registration | devicePurpose | a number                    |
      | msbDeviceRegistration | iris-registration | devicePurpose | an array holding its value  |
      | msbDeviceRegistration | iris-registration | devicePurpose | an object holding its value |
