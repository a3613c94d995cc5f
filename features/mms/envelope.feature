@mms
Feature: MMS envelope and trust (Introduction of the PSA Management Server API)
  Every request and answer body is {"<apiName>": "<JWS>"}. The JWS is RS256 with an x5c header;
  the server verifies the signature with the first x5c certificate and trusts only MDS vendor
  certificates chained to the vendor root. The spec gives no code for a bad signature, an
  untrusted chain or a malformed JWS: the suite expects a non-zero code and no device data
  (or the code the bench pins for that case).

  Background:
    Given the fixture device "finger-auth"

  @req:MMS-ENV-FORMAT @req:MMS-ENV-SIGNATURE
  Scenario Outline: <api> answers in a signed envelope under its own name
    When the device sends <api>
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields

    Examples:
      | api               |
      | msbDeviceSnapshot |
      | msbEncryptionCert |
      | msbKeyRotation    |

  @req:MMS-ENV-TRUST @erratum
  Scenario Outline: An envelope signed by an MDS certificate that is <problem> is refused
    Given the envelope is signed with the "<material>" fixture certificate
    When the device sends msbDeviceSnapshot
    Then the request is refused as "untrusted_chain"

    Examples:
      | problem                    | material              |
      | expired                    | bad-mds-expired       |
      | not yet valid              | bad-mds-not-yet-valid |
      | self-signed                | bad-mds-self-signed   |
      | issued by an untrusted CA  | bad-mds-untrusted     |
      | lying about its issuer     | bad-mds-wrong-issuer  |
      | holding an RSA-1024 key    | bad-mds-rsa1024       |

  @req:MMS-ENV-SIGNATURE @erratum
  Scenario Outline: A request JWS with the mutation "<mutation>" is refused
    Given the request JWS is mutated by "<mutation>"
    When the device sends <api>
    Then the request is refused as "<case>"

    Examples:
      | mutation           | api               | case            |
      | tampered payload   | msbDeviceSnapshot | bad_signature   |
      | stripped signature | msbDeviceSnapshot | bad_signature   |
      | alg none           | msbEncryptionCert | bad_signature   |
      | foreign key        | msbKeyRotation    | bad_signature   |
      | untrusted chain    | msbEncryptionCert | untrusted_chain |
      | two-part form      | msbKeyRotation    | malformed       |
      | bad base64url      | msbDeviceSnapshot | malformed       |

  @req:MMS-ENV-FORMAT @erratum
  Scenario: A body under an unknown API name is refused
    Given the request is sent under the body key "msbDeviceSnapshotRequest"
    When the device sends msbDeviceSnapshot
    Then the request is refused as "unknown_api"
