@mms
Feature: MMS envelope and trust (Introduction of the PSA Management Server API)
  Every request and answer body is {"<apiName>": "<JWS>"}. The JWS is RS256 with an x5c header;
  the server verifies the signature with the first x5c certificate and trusts only MDS vendor
  certificates chained to the vendor root. The spec gives no code for a bad signature, an
  untrusted chain or a malformed JWS: the suite expects a non-zero code and no device data
  (or the code the bench pins for that case). A correctly signed envelope whose certificate
  chains to the vendor root but is outside its validity is authentic: -102 (docs/errata.md).

  @req:MMS-ENV-FORMAT @req:MMS-ENV-SIGNATURE
  Scenario Outline: <api> answers in a signed envelope under its own name
    Given the fixture device "finger-auth"
    When the device sends <api>
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields

    Examples:
      | api               |
      | msbDeviceSnapshot |
      | msbEncryptionCert |

  @req:MMS-ENV-FORMAT @req:MMS-ENV-SIGNATURE @consumes_state
  Scenario: msbKeyRotation answers in a signed envelope under its own name
    Given the fixture device "finger-rotator"
    When the device sends msbKeyRotation
    Then the response code is 0
    And the answer is a signed envelope from the server
    And the answer echoes the request fields

  @req:MMS-ENV-TRUST @req:MMS-CODE-102 @erratum
  Scenario Outline: A correctly signed envelope whose MDS certificate is <problem> gets -102
    Given the fixture device "finger-auth"
    And the envelope is signed with the "<material>" fixture certificate
    When the device sends msbDeviceSnapshot
    Then the answer is a signed envelope from the server
    And the response code is -102 and the answer tells no more than the errata allow

    Examples:
      | problem       | material              |
      | expired       | bad-mds-expired       |
      | not yet valid | bad-mds-not-yet-valid |

  @req:MMS-ENV-TRUST @erratum
  Scenario Outline: An envelope signed by an MDS certificate that is <problem> is refused
    Given the fixture device "finger-auth"
    And the envelope is signed with the "<material>" fixture certificate
    When the device sends msbDeviceSnapshot
    Then the request is refused as "untrusted_chain"

    Examples:
      | problem                    | material              |
      | self-signed                | bad-mds-self-signed   |
      | issued by an untrusted CA  | bad-mds-untrusted     |
      | lying about its issuer     | bad-mds-wrong-issuer  |
      | holding an RSA-1024 key    | bad-mds-rsa1024       |

  @req:MMS-ENV-SIGNATURE @erratum
  Scenario Outline: A request JWS with the mutation "<mutation>" is refused
    Given the fixture device "<device>"
    And the request JWS is mutated by "<mutation>"
    When the device sends <api>
    Then the request is refused as "<case>"

    Examples:
      | mutation           | api               | device         | case            |
      | tampered payload   | msbDeviceSnapshot | finger-auth    | bad_signature   |
      | stripped signature | msbDeviceSnapshot | finger-auth    | bad_signature   |
      | alg none           | msbEncryptionCert | finger-auth    | bad_signature   |
      | foreign key        | msbKeyRotation    | finger-rotator | bad_signature   |
      | untrusted chain    | msbEncryptionCert | finger-auth    | untrusted_chain |
      | bad base64url      | msbDeviceSnapshot | finger-auth    | malformed       |

  @req:MMS-ENV-SIGNATURE @erratum
  Scenario Outline: msbKeyRotation in the two-part form, <form>, is refused unless allowed
    Given the fixture device "finger-rotator"
    When the device sends msbDeviceSnapshot
    And the device sends msbKeyRotation through the mutation "<mutation>"
    Then the request is refused as "<case>"

    Examples:
      | form                            | mutation                       | case          |
      | signed over its payload segment | two-part form                  | malformed     |
      | signed by a foreign key         | two-part form by a foreign key | bad_signature |

  @req:MMS-ENV-FORMAT @erratum
  Scenario: A body under an unknown API name is refused
    Given the fixture device "finger-auth"
    And the request is sent under the body key "msbDeviceSnapshotRequest"
    When the device sends msbDeviceSnapshot
    Then the request is refused as "unknown_api"

  @req:MMS-ENV-FORMAT @erratum
  Scenario Outline: A correctly signed payload that is <shape> is refused
    Given the fixture device "finger-auth"
    And the request payload is sent as <shape>
    When the device sends msbDeviceSnapshot
    Then the request is refused as "malformed"

    Examples:
      | shape                            |
      | a JSON array holding the request |
      | a JSON string holding the request |
      | a JSON number                    |
