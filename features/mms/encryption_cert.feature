@mms
Feature: msbEncryptionCert (section 2): the MOSIP encryption certificate
  An Auth device fetches the current MOSIP encryption certificate; a Registration device
  does not need one (-104).

  @req:MMS-CERT-FIELDS
  Scenario: An Auth device gets the encryption certificate with every field of section 2.2
    Given the fixture device "finger-auth"
    When the device sends msbEncryptionCert
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields
    And the answer has these fields:
      | field               | kind                  |
      | uniqueTransactionId | a non-empty string    |
      | timeStamp           | a timestamp with zone |
      | serialNumber        | a non-empty string    |
      | deviceCodeUUID      | a string              |
      | modelID             | a non-empty string    |
      | deviceProviderId    | a non-empty string    |
      | bioType             | a non-empty string    |
      | certificationLevel  | a certification level |
      | devicePurpose       | a non-empty string    |
      | env                 | a non-empty string    |
      | encryptionCertData  | a certificate         |
      | responseCode        | a response code       |
      | description         | a string              |

  @req:MMS-CERT-REGDEVICE
  Scenario: A Registration device is told it needs no encryption certificate
    Given the fixture device "iris-registration"
    When the device sends msbEncryptionCert
    Then the response code is -104
    And the answer is a signed envelope from the server
    And the answer carries no device data
