@device @embedded_server_only
Feature: An MDS keeps its device in sync with the management server
  The harness plays the server: its reference MMS records every request, and a scenario scripts
  its answers. The MDS under test (the emulated one by default) drives the bench device (the
  emulated device over a real pty and over the emulated USB bus by default) and is watched
  through the server's records, the device and the MDS's SBI.

  @req:DEV-REQUESTS
  Scenario: Every request the MDS sends is well-formed
    Given the bench device as "finger-auth"
    When the MDS starts
    Then the MMS received a msbDeviceSnapshot request
    And every request the MMS received verifies with RS256 and an x5c chained to the vendor root
    And every request the MMS received carries all its fields with their types
    And every timestamp in the requests is ISO 8601 with a zone
    And no two requests share a uniqueTransactionId

  @req:DEV-REFRESH
  Scenario: The snapshot is refreshed before it expires
    Given the MMS grants snapshots valid for 2 seconds
    And the bench device as "finger-auth"
    When the MDS starts
    And the MDS has refreshed its snapshot 2 times
    Then each snapshot was asked for again before the previous one expired

  @req:DEV-ROTATION
  Scenario: A key rotation the server demands is done, and the new key is used
    Given the next snapshot answer says "mandatoryKeyRotation" is "true"
    And the bench device as "finger-auth"
    When the MDS starts
    Then the MMS received a msbKeyRotation request with a CSR for an RSA-2048 key
    And the device's certificate is the one the MMS issued
    And device info from the SBI is signed with the issued certificate

  @req:DEV-REGISTRATION
  Scenario: An unregistered device is registered
    Given the bench device as "iris-registration"
    When the MDS starts
    Then the MMS received a msbDeviceRegistration request whose deviceInfo and digitalId the device signed
    And the MDS's later snapshot requests carry the device code the MMS assigned
    And the SBI reports the device "Ready"

  @req:DEV-ENCRYPTION-CERT
  Scenario: The encryption certificate is fetched once, and again only when it changes
    Given the MMS grants snapshots valid for 2 seconds
    And the bench device as "finger-auth"
    When the MDS starts
    And the MDS has refreshed its snapshot 2 times
    Then the MMS received 1 msbEncryptionCert request
    When the encryption certificate changes on the MMS
    And the MDS has refreshed its snapshot 1 time
    Then the MMS received 2 msbEncryptionCert requests

  @req:DEV-ENCRYPTION-CERT @erratum
  Scenario Outline: An MDS reads the thumbprint in <encoding> and fetches the certificate once
    Given the MMS grants snapshots valid for 2 seconds
    And the MMS writes the encryptionCertThumbprint in <encoding>
    And the bench device as "finger-auth"
    When the MDS starts
    And the MDS has refreshed its snapshot 2 times
    Then the MMS received 1 msbEncryptionCert request

    Examples:
      | encoding                  |
      | lower-case hex            |
      | base64url without padding |
      | base64                    |

  @req:DEV-ENCRYPTION-CERT
  Scenario: A Registration device never asks for the encryption certificate
    Given the MMS grants snapshots valid for 2 seconds
    And the bench device as "iris-registration"
    And the bench device is a Registration device
    When the MDS starts
    And the MDS has refreshed its snapshot 2 times
    Then the MMS received 0 msbEncryptionCert requests

  @req:DEV-EXPIRY
  Scenario: Capture is refused once the snapshot has expired
    Given the MMS grants snapshots valid for 2 seconds
    And the bench device as "finger-auth"
    When the MDS starts
    Then a capture through the SBI succeeds and the device signed it
    When the MMS answers every request with -1001
    And 3 seconds pass
    Then a capture through the SBI is refused with error "104"

  @req:DEV-ANSWER-TRUST
  Scenario Outline: An MDS acts on no <kind> answer
    Given the MMS signs every answer with the mutation "<mutation>"
    And the bench device as "finger-auth"
    When the MDS starts
    And 2 seconds pass
    Then the MMS received a msbDeviceSnapshot request
    And the SBI reports the device "Not Ready"
    And a capture through the SBI is refused with error "104"

    Examples:
      | kind      | mutation        |
      | forged    | foreign key     |
      | unsigned  | alg none        |
      | untrusted | untrusted chain |

  @req:DEV-CLOCK @needs_device_clock
  Scenario Outline: A device whose clock starts <amount> <unit> <direction> adopts the server time
    Given the bench device as "finger-auth"
    And the biometric device's clock runs <amount> <unit> <direction>
    When the MDS starts
    Then the biometric device's clock is within 2 seconds of the server time

    Examples:
      | amount | unit    | direction |
      | 2      | hours   | behind    |
      | 30     | minutes | ahead     |

  @req:DEV-CODES
  Scenario Outline: The MDS handles <code> from <api>
    Given the MMS answers the next <api> with <code>
    And the bench device as "<device>"
    When the MDS starts
    Then the SBI reports the device "<status>"
    And a capture through the SBI <capture>

    Examples:
      | code  | api                   | device            | status         | capture                       |
      | -101  | msbDeviceSnapshot     | finger-auth       | Ready          | succeeds and the device signed it |
      | -102  | msbDeviceSnapshot     | finger-auth       | Not Ready      | is refused with error "106"   |
      | -103  | msbDeviceRegistration | iris-registration | Not Registered | is refused with error "100"   |
      | -104  | msbEncryptionCert     | finger-auth       | Ready          | succeeds and the device signed it |
      | -1001 | msbDeviceSnapshot     | finger-auth       | Not Ready      | is refused with error "104"   |

  @req:DEV-CODES
  Scenario: After -101 the MDS asks again without the stale device code
    Given the MMS answers the next msbDeviceSnapshot with -101
    And the bench device as "finger-auth"
    When the MDS starts
    Then a later snapshot request carries an empty deviceCodeUUID

  @req:DEV-CODES
  Scenario: After -105 the device keeps its key and certificate
    Given the next snapshot answer says "mandatoryKeyRotation" is "true"
    And the MMS answers the next msbKeyRotation with -105
    And the bench device as "finger-auth"
    When the MDS starts
    Then the device still holds its original certificate
    And the SBI reports the device "Ready"

  @req:DEV-CODES
  Scenario: After -1001 the MDS tries again soon
    Given the MMS answers the next msbDeviceSnapshot with -1001
    And the bench device as "finger-auth"
    When the MDS starts
    And the MDS has refreshed its snapshot 1 time within 5 seconds
    Then the SBI reports the device "Ready"

  @req:DEV-UNPLUG
  Scenario: An unplugged device is reported, and works again once plugged back in
    Given the bench device as "finger-auth"
    When the MDS starts
    And the device is unplugged
    Then the SBI reports the device "Not Ready"
    And a capture through the SBI is refused with error "102"
    When the device is plugged in again
    Then a capture through the SBI succeeds and the device signed it

  @req:DEV-POWER @needs_device_power
  Scenario: A device that stopped answering works again after a power cycle
    Given the bench device as "finger-auth"
    When the MDS starts
    And the device stops answering
    Then the SBI reports the device "Not Ready"
    When the device is power-cycled
    Then the SBI reports the device "Ready"
    And a capture through the SBI succeeds and the device signed it

  @req:DEV-POWER @needs_device_power
  Scenario: After a power loss the MDS sets the device's clock to the server time again
    Given the bench device as "finger-auth"
    When the MDS starts
    And the device is power-cycled
    Then the biometric device's clock is back within 2 seconds of the server time

  @req:DEV-USB-SERIAL @usb_only
  Scenario: The USB serial-number string is the serialNumber the MDS sends
    Given the bench device as "finger-auth"
    When the MDS starts
    Then the device's USB serial-number string equals the serialNumber in the MDS's requests
