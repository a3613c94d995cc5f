@mms
Feature: msbDeviceRegistration (section 4): registering a device
  An unregistered device sends a MOSIP registration request with a signed deviceInfo and
  digitalId; the server assigns a device code, which the next snapshot reports.

  @req:MMS-REG-EFFECT @req:MMS-REG-FIELDS @consumes_state
  Scenario: Registration assigns a device code that the next snapshot shows
    Given the fixture device "iris-registration"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "isDeviceRegistered" says "false"
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
      | problem                            | setup                                                          |
      | a digitalId of another device      | the digitalId names the serial number "BH-IR-9999"             |
      | an unparseable registration        | the request field "deviceRegistrationRequest" is "not json"    |
      | no deviceData                      | the request field "deviceRegistrationRequest" is "{}"          |
