@mms
Feature: msbKeyRotation (section 3): a new device key certified by the server
  The MDS sends a CSR for a fresh RSA-2048 key; the server answers with a certificate for that
  key, chained to its device CA, whose notAfter is the keyExpiryTimeStamp it reports. Every
  rotation uses "finger-rotator", which nothing else reads: a rotation may be repeated (the
  spec lets an MDS rotate well before its key expires), so no scenario depends on its key state.

  @req:MMS-ROT-FIELDS @consumes_state
  Scenario: A rotation answer has every field of section 3.2
    Given the fixture device "finger-rotator"
    When the device sends msbKeyRotation
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields
    And the answer has these fields:
      | field                   | kind                  |
      | uniqueTransactionId     | a non-empty string    |
      | timeStamp               | a timestamp with zone |
      | serialNumber            | a non-empty string    |
      | deviceCodeUUID          | a string              |
      | modelID                 | a non-empty string    |
      | deviceProviderId        | a non-empty string    |
      | bioType                 | a non-empty string    |
      | certificationLevel      | a certification level |
      | devicePurpose           | a non-empty string    |
      | env                     | a non-empty string    |
      | signedDeviceCertificate | a certificate         |
      | keyExpiryTimeStamp      | a timestamp with zone |
      | responseCode            | a response code       |
      | description             | a string              |

  @req:MMS-ROT-CERT @consumes_state
  Scenario: The rotated certificate certifies the CSR's RSA-2048 key until keyExpiryTimeStamp
    Given the fixture device "finger-rotator"
    And the device makes its CSR for a 2048-bit key
    When the device sends msbKeyRotation
    Then the response code is 0
    And the rotated certificate carries the CSR's public key and chains to the device CA
    And the rotated certificate's notAfter equals keyExpiryTimeStamp
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "mandatoryKeyRotation" says "false"
    And the snapshot's keyExpiryTimeStamp equals the rotated certificate's notAfter

  @req:MMS-ROT-FAIL
  Scenario Outline: A rotation request with <problem> gets -105
    Given the fixture device "finger-rotator"
    And <setup>
    When the device sends msbKeyRotation
    Then the response code is -105
    And the answer carries no device data

    Examples:
      | problem                          | setup                                             |
      | an RSA-1024 CSR                  | the device makes its CSR for a 1024-bit key       |
      | a CSR whose self-signature fails | the device's CSR carries a tampered self-signature |
      | csrData that is junk             | the request field "csrData" is "bm90IGEgQ1NS"     |
      | an empty csrData                 | the request field "csrData" is ""                 |

  @req:MMS-ROT-FAIL
  Scenario Outline: A rotation request whose csrData is <shape> is refused
    (-105 "Certificate signing failed" or -1001 "Unable to generate response" both fit a request
    the server cannot even read: any non-zero code, no device data.)
    Given the fixture device "finger-rotator"
    And the request field "csrData" is sent as <shape>
    When the device sends msbKeyRotation
    Then the request is refused

    Examples:
      | shape                        |
      | left out                     |
      | null                         |
      | a number                     |
      | an array holding its value   |
      | an object holding its value  |
