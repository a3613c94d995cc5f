@mms
Feature: msbDeviceSnapshot (section 1): time sync and device status
  The MDS asks for a snapshot to sync its clock and learn whether it must rotate its key,
  register, update itself or fetch a new encryption certificate, and until when it may capture.

  @req:MMS-SNAP-FIELDS
  Scenario Outline: The snapshot answer's <field> is <kind>
    Given the fixture device "finger-auth"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "<field>" is <kind>

    Examples: every field of section 1.2
      | field                       | kind                  |
      | uniqueTransactionId         | a non-empty string    |
      | timeStamp                   | a timestamp with zone |
      | serialNumber                | a non-empty string    |
      | deviceCodeUUID              | a string              |
      | modelID                     | a non-empty string    |
      | deviceProviderId            | a non-empty string    |
      | bioType                     | a non-empty string    |
      | certificationLevel          | a certification level |
      | devicePurpose               | a non-empty string    |
      | env                         | a non-empty string    |
      | serverTimeStamp             | a timestamp with zone |
      | isWhiteListed               | a boolean string      |
      | isDeviceValid               | a boolean string      |
      | isDeviceRegistered          | a boolean string      |
      | deviceServiceUpdateRequired | a boolean string      |
      | deviceServiceDownloadURL    | a string              |
      | mandatoryKeyRotation        | a boolean string      |
      | keyExpiryTimeStamp          | a timestamp with zone |
      | encryptionCertThumbprint    | a thumbprint          |
      | snapshotValidity            | a timestamp with zone |
      | bannerMessage               | a string              |
      | responseCode                | a response code       |
      | description                 | a string              |

  @req:MMS-SNAP-FIELDS
  Scenario: The snapshot answer echoes the request
    Given the fixture device "finger-auth"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields

  @req:MMS-SNAP-TIME
  Scenario: The server time is in sync with the harness clock
    Given the fixture device "finger-auth"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the server time is within the tolerance of the harness clock

  @req:MMS-SNAP-VALIDITY
  Scenario: The snapshot stays valid into the future
    Given the fixture device "finger-auth"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the snapshot validity is in the future and after the server time

  @req:MMS-SNAP-STATUS
  Scenario Outline: The snapshot of <device> says registered <registered>, rotation <rotation>
    Given the fixture device "<device>"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "isWhiteListed" says "true"
    And the answer field "isDeviceValid" says "true"
    And the answer field "isDeviceRegistered" says "<registered>"
    And the answer field "mandatoryKeyRotation" says "<rotation>"

    Examples:
      | device              | registered | rotation |
      | finger-auth         | true       | false    |
      | iris-registration   | false      | false    |
      | finger-rotation-due | true       | true     |

  @req:MMS-SNAP-STATUS
  Scenario Outline: An MDS of version <version> is told update required: <update>
    Given the fixture device "finger-auth"
    And the MDS reports version "<version>"
    When the device sends msbDeviceSnapshot
    Then the response code is 0
    And the answer field "deviceServiceUpdateRequired" says "<update>"
    And the answer field "deviceServiceDownloadURL" is <url>

    Examples:
      | version | update | url                |
      | 0.0.1   | true   | a non-empty string |
      | 99.0.0  | false  | a string           |

  @req:MMS-SNAP-THUMBPRINT @erratum
  Scenario: The snapshot's thumbprint is the one of the current encryption certificate
    Given the fixture device "finger-auth"
    When the device sends msbDeviceSnapshot
    And the device sends msbEncryptionCert
    Then the snapshot's encryptionCertThumbprint matches the certificate from msbEncryptionCert
