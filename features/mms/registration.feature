@mms
Feature: msbDeviceRegistration (section 4): registering a device
  An unregistered device sends a MOSIP registration request with a signed deviceInfo and
  digitalId; the server assigns a device code of its own to the device, which the next
  snapshot reports. The registration that succeeds uses "iris-enrol", which nothing else reads;
  the refused ones use "iris-registration", whose registration a conformant server never makes.

  @req:MMS-REG-EFFECT @req:MMS-REG-FIELDS @consumes_state
  Scenario: Registration assigns a device code of its own that the next snapshot shows
    Given the fixture device "iris-enrol"
    And the server still holds the device as unregistered
    When the device sends msbDeviceRegistration
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields
    And the answer has these fields:
      | field                      | kind                    |
      | uniqueTransactionId        | a non-empty string      |
      | timeStamp                  | a timestamp with zone   |
      | serialNumber               | a non-empty string      |
      | modelID                    | a non-empty string      |
      | deviceProviderId           | a non-empty string      |
      | bioType                    | a non-empty string      |
      | certificationLevel         | a certification level   |
      | devicePurpose              | a non-empty string      |
      | env                        | a non-empty string      |
      | deviceRegistrationResponse | a registration document |
      | responseCode               | a response code         |
      | description                | a string                |
    And the registration answer assigns a device code
    And the assigned device code is not the one "finger-auth" holds
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "isDeviceRegistered" says "true"
    And the answer field "deviceCodeUUID" equals the assigned device code

  @req:MMS-REG-FAIL
  Scenario Outline: A registration request with <problem> gets -103
    Given the fixture device "iris-registration"
    And <setup>
    When the device sends msbDeviceRegistration
    Then the response code is -103
    And the answer carries no device data

    Examples:
      | problem                       | setup                                                       |
      | a digitalId of another device | the digitalId names the serial number "BH-IR-9999"          |
      | an unparseable registration   | the request field "deviceRegistrationRequest" is "not json" |
      | no deviceData                 | the request field "deviceRegistrationRequest" is "{}"       |

  @req:MMS-REG-FAIL
  Scenario Outline: A registration whose <part> is <problem> gets -103
    Given the fixture device "iris-registration"
    And the registration's <part> is signed by the device through the mutation "<mutation>"
    When the device sends msbDeviceRegistration
    Then the response code is -103
    And the answer carries no device data

    Examples:
      | part       | problem                   | mutation         |
      | deviceInfo | tampered after signing    | tampered payload |
      | deviceInfo | unsigned                  | alg none         |
      | deviceInfo | signed by an untrusted CA | untrusted chain  |
      | digitalId  | tampered after signing    | tampered payload |
      | digitalId  | unsigned                  | alg none         |
      | digitalId  | signed by an untrusted CA | untrusted chain  |

  @req:MMS-REG-FAIL @erratum
  Scenario Outline: A registration whose <part> is signed by the valid key of <device> gets -103
    Given the fixture device "iris-registration"
    And the registration's <part> is signed by the fixture device "<device>"
    When the device sends msbDeviceRegistration
    Then the response code is -103
    And the answer carries no device data

    Examples:
      | part       | device        |
      | deviceInfo | finger-auth   |
      | deviceInfo | face-unlisted |
      | digitalId  | finger-auth   |
      | digitalId  | face-unlisted |

  @req:MMS-REG-FAIL
  Scenario Outline: A registration request whose deviceRegistrationRequest is <shape> is refused
    (-103 "Registration failed" or -1001 "Unable to generate response" both fit a request the
    server cannot even read: any non-zero code, no device data.)
    Given the fixture device "iris-registration"
    And the request field "deviceRegistrationRequest" is sent as <shape>
    When the device sends msbDeviceRegistration
    Then the request is refused

    Examples:
      | shape                       |
      | left out                    |
      | null                        |
      | a number                    |
      | an array holding its value  |
      | an object holding its value |
