@mms @hostile
Feature: Hostile requests to the MMS: the JOSE attack catalogue, JSON and HTTP oddities
  Every attack runs on every API, built from the request the device would send, so it differs
  from a legitimate one by its attack alone. "refused" is an HTTP 4xx, a redirect, a closed
  connection or a signed answer with a non-zero code that tells nothing of the device;
  "tolerated" (RFC 7515 or RFC 8259 let a server read it as the legitimate request, or
  docs/errata.md allows both) is any of those or any signed answer. A 5xx is always a failure;
  after each case the device's snapshot is answered and unchanged (unless a tolerated rotation or
  registration was served), and no URL a token named was fetched (the canary).

  @req:MMS-HOSTILE-ALG
  Scenario Outline: <api> against the algorithm attack "<attack>": <outcome>
    The JWS: alg none in every spelling, HMAC keyed with the public key, an RS256 signature under
    another algorithm's name.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-ALG
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                              | api                   | outcome |
      | alg none                            | msbDeviceSnapshot     | refused |
      | alg none                            | msbEncryptionCert     | refused |
      | alg none                            | msbKeyRotation        | refused |
      | alg none                            | msbDeviceRegistration | refused |
      | alg None                            | msbDeviceSnapshot     | refused |
      | alg None                            | msbEncryptionCert     | refused |
      | alg None                            | msbKeyRotation        | refused |
      | alg None                            | msbDeviceRegistration | refused |
      | alg NONE                            | msbDeviceSnapshot     | refused |
      | alg NONE                            | msbEncryptionCert     | refused |
      | alg NONE                            | msbKeyRotation        | refused |
      | alg NONE                            | msbDeviceRegistration | refused |
      | alg nOnE                            | msbDeviceSnapshot     | refused |
      | alg nOnE                            | msbEncryptionCert     | refused |
      | alg nOnE                            | msbKeyRotation        | refused |
      | alg nOnE                            | msbDeviceRegistration | refused |
      | alg none with the signature kept    | msbDeviceSnapshot     | refused |
      | alg none with the signature kept    | msbEncryptionCert     | refused |
      | alg none with the signature kept    | msbKeyRotation        | refused |
      | alg none with the signature kept    | msbDeviceRegistration | refused |
      | alg left out                        | msbDeviceSnapshot     | refused |
      | alg left out                        | msbEncryptionCert     | refused |
      | alg left out                        | msbKeyRotation        | refused |
      | alg left out                        | msbDeviceRegistration | refused |
      | alg empty                           | msbDeviceSnapshot     | refused |
      | alg empty                           | msbEncryptionCert     | refused |
      | alg empty                           | msbKeyRotation        | refused |
      | alg empty                           | msbDeviceRegistration | refused |
      | HS256 keyed with the public key PEM | msbDeviceSnapshot     | refused |
      | HS256 keyed with the public key PEM | msbEncryptionCert     | refused |
      | HS256 keyed with the public key PEM | msbKeyRotation        | refused |
      | HS256 keyed with the public key PEM | msbDeviceRegistration | refused |
      | HS256 keyed with the public key DER | msbDeviceSnapshot     | refused |
      | HS256 keyed with the public key DER | msbEncryptionCert     | refused |
      | HS256 keyed with the public key DER | msbKeyRotation        | refused |
      | HS256 keyed with the public key DER | msbDeviceRegistration | refused |
      | HS512 keyed with the public key PEM | msbDeviceSnapshot     | refused |
      | HS512 keyed with the public key PEM | msbEncryptionCert     | refused |
      | HS512 keyed with the public key PEM | msbKeyRotation        | refused |
      | HS512 keyed with the public key PEM | msbDeviceRegistration | refused |
      | RS256 signature labelled RS512      | msbDeviceSnapshot     | refused |
      | RS256 signature labelled RS512      | msbEncryptionCert     | refused |
      | RS256 signature labelled RS512      | msbKeyRotation        | refused |
      | RS256 signature labelled RS512      | msbDeviceRegistration | refused |
      | RS256 signature labelled PS256      | msbDeviceSnapshot     | refused |
      | RS256 signature labelled PS256      | msbEncryptionCert     | refused |
      | RS256 signature labelled PS256      | msbKeyRotation        | refused |
      | RS256 signature labelled PS256      | msbDeviceRegistration | refused |
      | RS256 signature labelled ES256      | msbDeviceSnapshot     | refused |
      | RS256 signature labelled ES256      | msbEncryptionCert     | refused |
      | RS256 signature labelled ES256      | msbKeyRotation        | refused |
      | RS256 signature labelled ES256      | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-SIG
  Scenario Outline: <api> against the signature attack "<attack>": <outcome>
    The JWS: the signature stripped, truncated, padded, flipped, zeroed or borrowed, the payload changed
    after signing, a foreign key.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-SIG
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                           | api                   | outcome |
      | signature stripped               | msbDeviceSnapshot     | refused |
      | signature stripped               | msbEncryptionCert     | refused |
      | signature stripped               | msbKeyRotation        | refused |
      | signature stripped               | msbDeviceRegistration | refused |
      | signature truncated              | msbDeviceSnapshot     | refused |
      | signature truncated              | msbEncryptionCert     | refused |
      | signature truncated              | msbKeyRotation        | refused |
      | signature truncated              | msbDeviceRegistration | refused |
      | signature padded with zero bytes | msbDeviceSnapshot     | refused |
      | signature padded with zero bytes | msbEncryptionCert     | refused |
      | signature padded with zero bytes | msbKeyRotation        | refused |
      | signature padded with zero bytes | msbDeviceRegistration | refused |
      | signature with one bit flipped   | msbDeviceSnapshot     | refused |
      | signature with one bit flipped   | msbEncryptionCert     | refused |
      | signature with one bit flipped   | msbKeyRotation        | refused |
      | signature with one bit flipped   | msbDeviceRegistration | refused |
      | signature of all zero bytes      | msbDeviceSnapshot     | refused |
      | signature of all zero bytes      | msbEncryptionCert     | refused |
      | signature of all zero bytes      | msbKeyRotation        | refused |
      | signature of all zero bytes      | msbDeviceRegistration | refused |
      | signature of another request     | msbDeviceSnapshot     | refused |
      | signature of another request     | msbEncryptionCert     | refused |
      | signature of another request     | msbKeyRotation        | refused |
      | signature of another request     | msbDeviceRegistration | refused |
      | payload tampered after signing   | msbDeviceSnapshot     | refused |
      | payload tampered after signing   | msbEncryptionCert     | refused |
      | payload tampered after signing   | msbKeyRotation        | refused |
      | payload tampered after signing   | msbDeviceRegistration | refused |
      | signed by a foreign key          | msbDeviceSnapshot     | refused |
      | signed by a foreign key          | msbEncryptionCert     | refused |
      | signed by a foreign key          | msbKeyRotation        | refused |
      | signed by a foreign key          | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-KEYS
  Scenario Outline: <api> against the key attack "<attack>": <outcome>
    The JWS: keys the header offers: x5c injection, jku/x5u to the canary (never fetched), an embedded
    jwk, kid tricks.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-KEYS
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                          | api                   | outcome |
      | x5c of the attacker's self-signed certificate   | msbDeviceSnapshot     | refused |
      | x5c of the attacker's self-signed certificate   | msbEncryptionCert     | refused |
      | x5c of the attacker's self-signed certificate   | msbKeyRotation        | refused |
      | x5c of the attacker's self-signed certificate   | msbDeviceRegistration | refused |
      | x5c of the attacker before the legitimate chain | msbDeviceSnapshot     | refused |
      | x5c of the attacker before the legitimate chain | msbEncryptionCert     | refused |
      | x5c of the attacker before the legitimate chain | msbKeyRotation        | refused |
      | x5c of the attacker before the legitimate chain | msbDeviceRegistration | refused |
      | x5c empty                                       | msbDeviceSnapshot     | refused |
      | x5c empty                                       | msbEncryptionCert     | refused |
      | x5c empty                                       | msbKeyRotation        | refused |
      | x5c empty                                       | msbDeviceRegistration | refused |
      | x5c a string                                    | msbDeviceSnapshot     | refused |
      | x5c a string                                    | msbEncryptionCert     | refused |
      | x5c a string                                    | msbKeyRotation        | refused |
      | x5c a string                                    | msbDeviceRegistration | refused |
      | x5c entry not base64                            | msbDeviceSnapshot     | refused |
      | x5c entry not base64                            | msbEncryptionCert     | refused |
      | x5c entry not base64                            | msbKeyRotation        | refused |
      | x5c entry not base64                            | msbDeviceRegistration | refused |
      | jku to the canary, foreign key                  | msbDeviceSnapshot     | refused |
      | jku to the canary, foreign key                  | msbEncryptionCert     | refused |
      | jku to the canary, foreign key                  | msbKeyRotation        | refused |
      | jku to the canary, foreign key                  | msbDeviceRegistration | refused |
      | x5u to the canary, foreign key                  | msbDeviceSnapshot     | refused |
      | x5u to the canary, foreign key                  | msbEncryptionCert     | refused |
      | x5u to the canary, foreign key                  | msbKeyRotation        | refused |
      | x5u to the canary, foreign key                  | msbDeviceRegistration | refused |
      | jwk of the foreign key                          | msbDeviceSnapshot     | refused |
      | jwk of the foreign key                          | msbEncryptionCert     | refused |
      | jwk of the foreign key                          | msbKeyRotation        | refused |
      | jwk of the foreign key                          | msbDeviceRegistration | refused |
      | kid path traversal, foreign key                 | msbDeviceSnapshot     | refused |
      | kid path traversal, foreign key                 | msbEncryptionCert     | refused |
      | kid path traversal, foreign key                 | msbKeyRotation        | refused |
      | kid path traversal, foreign key                 | msbDeviceRegistration | refused |
      | kid SQL injection, foreign key                  | msbDeviceSnapshot     | refused |
      | kid SQL injection, foreign key                  | msbEncryptionCert     | refused |
      | kid SQL injection, foreign key                  | msbKeyRotation        | refused |
      | kid SQL injection, foreign key                  | msbDeviceRegistration | refused |
      | kid empty, foreign key                          | msbDeviceSnapshot     | refused |
      | kid empty, foreign key                          | msbEncryptionCert     | refused |
      | kid empty, foreign key                          | msbKeyRotation        | refused |
      | kid empty, foreign key                          | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-KEYS @consumes_state
  Scenario Outline: <api> against the key attack "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which consumes state.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-KEYS
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                  | api                   | outcome   |
      | jku to the canary, legitimate signature | msbDeviceSnapshot     | tolerated |
      | jku to the canary, legitimate signature | msbEncryptionCert     | tolerated |
      | jku to the canary, legitimate signature | msbKeyRotation        | tolerated |
      | jku to the canary, legitimate signature | msbDeviceRegistration | tolerated |
      | x5u to the canary, legitimate signature | msbDeviceSnapshot     | tolerated |
      | x5u to the canary, legitimate signature | msbEncryptionCert     | tolerated |
      | x5u to the canary, legitimate signature | msbKeyRotation        | tolerated |
      | x5u to the canary, legitimate signature | msbDeviceRegistration | tolerated |

  @req:MMS-HOSTILE-HEADER
  Scenario Outline: <api> against the header attack "<attack>": <outcome>
    The JWS: crit and b64 (docs/errata.md: refused), duplicate members, base64url and compact-form variants.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-HEADER
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                   | api                   | outcome |
      | crit naming an unknown parameter         | msbDeviceSnapshot     | refused |
      | crit naming an unknown parameter         | msbEncryptionCert     | refused |
      | crit naming an unknown parameter         | msbKeyRotation        | refused |
      | crit naming an unknown parameter         | msbDeviceRegistration | refused |
      | crit as a string                         | msbDeviceSnapshot     | refused |
      | crit as a string                         | msbEncryptionCert     | refused |
      | crit as a string                         | msbKeyRotation        | refused |
      | crit as a string                         | msbDeviceRegistration | refused |
      | b64 false (RFC 7797)                     | msbDeviceSnapshot     | refused |
      | b64 false (RFC 7797)                     | msbEncryptionCert     | refused |
      | b64 false (RFC 7797)                     | msbKeyRotation        | refused |
      | b64 false (RFC 7797)                     | msbDeviceRegistration | refused |
      | b64 false outside crit                   | msbDeviceSnapshot     | refused |
      | b64 false outside crit                   | msbEncryptionCert     | refused |
      | b64 false outside crit                   | msbKeyRotation        | refused |
      | b64 false outside crit                   | msbDeviceRegistration | refused |
      | header alg twice, the last none          | msbDeviceSnapshot     | refused |
      | header alg twice, the last none          | msbEncryptionCert     | refused |
      | header alg twice, the last none          | msbKeyRotation        | refused |
      | header alg twice, the last none          | msbDeviceRegistration | refused |
      | payload identity twice, the last another | msbDeviceSnapshot     | refused |
      | payload identity twice, the last another | msbEncryptionCert     | refused |
      | payload identity twice, the last another | msbKeyRotation        | refused |
      | payload identity twice, the last another | msbDeviceRegistration | refused |
      | a fourth segment                         | msbDeviceSnapshot     | refused |
      | a fourth segment                         | msbEncryptionCert     | refused |
      | a fourth segment                         | msbKeyRotation        | refused |
      | a fourth segment                         | msbDeviceRegistration | refused |
      | header and payload only                  | msbDeviceSnapshot     | refused |
      | header and payload only                  | msbEncryptionCert     | refused |
      | header and payload only                  | msbKeyRotation        | refused |
      | header and payload only                  | msbDeviceRegistration | refused |
      | empty token                              | msbDeviceSnapshot     | refused |
      | empty token                              | msbEncryptionCert     | refused |
      | empty token                              | msbKeyRotation        | refused |
      | empty token                              | msbDeviceRegistration | refused |
      | dots only                                | msbDeviceSnapshot     | refused |
      | dots only                                | msbEncryptionCert     | refused |
      | dots only                                | msbKeyRotation        | refused |
      | dots only                                | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-HEADER @consumes_state
  Scenario Outline: <api> against the header attack "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which consumes state.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-HEADER
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                     | api                   | outcome   |
      | crit naming b64 without it | msbDeviceSnapshot     | tolerated |
      | crit naming b64 without it | msbEncryptionCert     | tolerated |
      | crit naming b64 without it | msbKeyRotation        | tolerated |
      | crit naming b64 without it | msbDeviceRegistration | tolerated |
      | crit empty                 | msbDeviceSnapshot     | tolerated |
      | crit empty                 | msbEncryptionCert     | tolerated |
      | crit empty                 | msbKeyRotation        | tolerated |
      | crit empty                 | msbDeviceRegistration | tolerated |
      | segments padded with =     | msbDeviceSnapshot     | tolerated |
      | segments padded with =     | msbEncryptionCert     | tolerated |
      | segments padded with =     | msbKeyRotation        | tolerated |
      | segments padded with =     | msbDeviceRegistration | tolerated |
      | standard base64 alphabet   | msbDeviceSnapshot     | tolerated |
      | standard base64 alphabet   | msbEncryptionCert     | tolerated |
      | standard base64 alphabet   | msbKeyRotation        | tolerated |
      | standard base64 alphabet   | msbDeviceRegistration | tolerated |
      | a space inside the token   | msbDeviceSnapshot     | tolerated |
      | a space inside the token   | msbEncryptionCert     | tolerated |
      | a space inside the token   | msbKeyRotation        | tolerated |
      | a space inside the token   | msbDeviceRegistration | tolerated |

  @req:MMS-HOSTILE-PAYLOAD
  Scenario Outline: <api> against the payload oddity "<attack>": <outcome>
    In the signed payload, where the device is named: depth, lone surrogates, NUL, non-UTF-8,
    NaN, Infinity, huge numbers, wrong types, duplicate names, non-JSON.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-PAYLOAD
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                   | api                   | outcome |
      | payload nested 10000 deep                | msbDeviceSnapshot     | refused |
      | payload nested 10000 deep                | msbEncryptionCert     | refused |
      | payload nested 10000 deep                | msbKeyRotation        | refused |
      | payload nested 10000 deep                | msbDeviceRegistration | refused |
      | identity nested 100 deep                 | msbDeviceSnapshot     | refused |
      | identity nested 100 deep                 | msbEncryptionCert     | refused |
      | identity nested 100 deep                 | msbKeyRotation        | refused |
      | identity nested 100 deep                 | msbDeviceRegistration | refused |
      | identity with a lone surrogate           | msbDeviceSnapshot     | refused |
      | identity with a lone surrogate           | msbEncryptionCert     | refused |
      | identity with a lone surrogate           | msbKeyRotation        | refused |
      | identity with a lone surrogate           | msbDeviceRegistration | refused |
      | identity with a NUL                      | msbDeviceSnapshot     | refused |
      | identity with a NUL                      | msbEncryptionCert     | refused |
      | identity with a NUL                      | msbKeyRotation        | refused |
      | identity with a NUL                      | msbDeviceRegistration | refused |
      | identity with bytes that are not UTF-8   | msbDeviceSnapshot     | refused |
      | identity with bytes that are not UTF-8   | msbEncryptionCert     | refused |
      | identity with bytes that are not UTF-8   | msbKeyRotation        | refused |
      | identity with bytes that are not UTF-8   | msbDeviceRegistration | refused |
      | identity NaN                             | msbDeviceSnapshot     | refused |
      | identity NaN                             | msbEncryptionCert     | refused |
      | identity NaN                             | msbKeyRotation        | refused |
      | identity NaN                             | msbDeviceRegistration | refused |
      | identity Infinity                        | msbDeviceSnapshot     | refused |
      | identity Infinity                        | msbEncryptionCert     | refused |
      | identity Infinity                        | msbKeyRotation        | refused |
      | identity Infinity                        | msbDeviceRegistration | refused |
      | identity a number too large for a double | msbDeviceSnapshot     | refused |
      | identity a number too large for a double | msbEncryptionCert     | refused |
      | identity a number too large for a double | msbKeyRotation        | refused |
      | identity a number too large for a double | msbDeviceRegistration | refused |
      | identity true                            | msbDeviceSnapshot     | refused |
      | identity true                            | msbEncryptionCert     | refused |
      | identity true                            | msbKeyRotation        | refused |
      | identity true                            | msbDeviceRegistration | refused |
      | identity 100 KB long                     | msbDeviceSnapshot     | refused |
      | identity 100 KB long                     | msbEncryptionCert     | refused |
      | identity 100 KB long                     | msbKeyRotation        | refused |
      | identity 100 KB long                     | msbDeviceRegistration | refused |
      | identity with SQL injection              | msbDeviceSnapshot     | refused |
      | identity with SQL injection              | msbEncryptionCert     | refused |
      | identity with SQL injection              | msbKeyRotation        | refused |
      | identity with SQL injection              | msbDeviceRegistration | refused |
      | payload not JSON                         | msbDeviceSnapshot     | refused |
      | payload not JSON                         | msbEncryptionCert     | refused |
      | payload not JSON                         | msbKeyRotation        | refused |
      | payload not JSON                         | msbDeviceRegistration | refused |
      | payload empty                            | msbDeviceSnapshot     | refused |
      | payload empty                            | msbEncryptionCert     | refused |
      | payload empty                            | msbKeyRotation        | refused |
      | payload empty                            | msbDeviceRegistration | refused |
      | payload with trailing garbage            | msbDeviceSnapshot     | refused |
      | payload with trailing garbage            | msbEncryptionCert     | refused |
      | payload with trailing garbage            | msbKeyRotation        | refused |
      | payload with trailing garbage            | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-BODY
  Scenario Outline: <api> against the body oddity "<attack>": <outcome>
    In the body around the JWS: the API name twice, with a surrogate, a forged log line or a
    terminal escape, in upper case; the token of another JSON type; depth, NaN, non-UTF-8.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-BODY
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                          | api                   | outcome |
      | API name with a lone surrogate  | msbDeviceSnapshot     | refused |
      | API name with a lone surrogate  | msbEncryptionCert     | refused |
      | API name with a lone surrogate  | msbKeyRotation        | refused |
      | API name with a lone surrogate  | msbDeviceRegistration | refused |
      | API name with a forged log line | msbDeviceSnapshot     | refused |
      | API name with a forged log line | msbEncryptionCert     | refused |
      | API name with a forged log line | msbKeyRotation        | refused |
      | API name with a forged log line | msbDeviceRegistration | refused |
      | API name with a terminal escape | msbDeviceSnapshot     | refused |
      | API name with a terminal escape | msbEncryptionCert     | refused |
      | API name with a terminal escape | msbKeyRotation        | refused |
      | API name with a terminal escape | msbDeviceRegistration | refused |
      | the token as a number           | msbDeviceSnapshot     | refused |
      | the token as a number           | msbEncryptionCert     | refused |
      | the token as a number           | msbKeyRotation        | refused |
      | the token as a number           | msbDeviceRegistration | refused |
      | the token as null               | msbDeviceSnapshot     | refused |
      | the token as null               | msbEncryptionCert     | refused |
      | the token as null               | msbKeyRotation        | refused |
      | the token as null               | msbDeviceRegistration | refused |
      | the token as an object          | msbDeviceSnapshot     | refused |
      | the token as an object          | msbEncryptionCert     | refused |
      | the token as an object          | msbKeyRotation        | refused |
      | the token as an object          | msbDeviceRegistration | refused |
      | body nested 10000 deep          | msbDeviceSnapshot     | refused |
      | body nested 10000 deep          | msbEncryptionCert     | refused |
      | body nested 10000 deep          | msbKeyRotation        | refused |
      | body nested 10000 deep          | msbDeviceRegistration | refused |
      | body with NaN                   | msbDeviceSnapshot     | refused |
      | body with NaN                   | msbEncryptionCert     | refused |
      | body with NaN                   | msbKeyRotation        | refused |
      | body with NaN                   | msbDeviceRegistration | refused |
      | body not UTF-8                  | msbDeviceSnapshot     | refused |
      | body not UTF-8                  | msbEncryptionCert     | refused |
      | body not UTF-8                  | msbKeyRotation        | refused |
      | body not UTF-8                  | msbDeviceRegistration | refused |
      | body not JSON                   | msbDeviceSnapshot     | refused |
      | body not JSON                   | msbEncryptionCert     | refused |
      | body not JSON                   | msbKeyRotation        | refused |
      | body not JSON                   | msbDeviceRegistration | refused |
      | body empty                      | msbDeviceSnapshot     | refused |
      | body empty                      | msbEncryptionCert     | refused |
      | body empty                      | msbKeyRotation        | refused |
      | body empty                      | msbDeviceRegistration | refused |
      | body a JSON array               | msbDeviceSnapshot     | refused |
      | body a JSON array               | msbEncryptionCert     | refused |
      | body a JSON array               | msbKeyRotation        | refused |
      | body a JSON array               | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-BODY @consumes_state
  Scenario Outline: <api> against the body oddity "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which consumes state.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-BODY
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                         | api                   | outcome   |
      | API name twice, the last junk  | msbDeviceSnapshot     | tolerated |
      | API name twice, the last junk  | msbEncryptionCert     | tolerated |
      | API name twice, the last junk  | msbKeyRotation        | tolerated |
      | API name twice, the last junk  | msbDeviceRegistration | tolerated |
      | API name in upper case         | msbDeviceSnapshot     | tolerated |
      | API name in upper case         | msbEncryptionCert     | tolerated |
      | API name in upper case         | msbKeyRotation        | tolerated |
      | API name in upper case         | msbDeviceRegistration | tolerated |
      | a second member beside the API | msbDeviceSnapshot     | tolerated |
      | a second member beside the API | msbEncryptionCert     | tolerated |
      | a second member beside the API | msbKeyRotation        | tolerated |
      | a second member beside the API | msbDeviceRegistration | tolerated |

  @req:MMS-HOSTILE-HTTP
  Scenario Outline: <api> against the HTTP oddity "<attack>": <outcome>
    The spec says https POST: other methods, a traversing path and an oversized body are refused.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-HTTP
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack          | api                   | outcome |
      | path traversal  | msbDeviceSnapshot     | refused |
      | path traversal  | msbEncryptionCert     | refused |
      | path traversal  | msbKeyRotation        | refused |
      | path traversal  | msbDeviceRegistration | refused |
      | body over 1 MiB | msbDeviceSnapshot     | refused |
      | body over 1 MiB | msbEncryptionCert     | refused |
      | body over 1 MiB | msbKeyRotation        | refused |
      | body over 1 MiB | msbDeviceRegistration | refused |

  @req:MMS-HOSTILE-HTTP @consumes_state
  Scenario Outline: <api> against the HTTP oddity "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which consumes state.
    Given an attack on <api> as its fixture device
    When the hostile request "<attack>" is sent
    Then the answer is <outcome> with requirement MMS-HOSTILE-HTTP
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack     | api                   | outcome   |
      | method GET | msbDeviceSnapshot     | tolerated |
      | method GET | msbEncryptionCert     | tolerated |
      | method GET | msbKeyRotation        | tolerated |
      | method GET | msbDeviceRegistration | tolerated |
      | method PUT | msbDeviceSnapshot     | tolerated |
      | method PUT | msbEncryptionCert     | tolerated |
      | method PUT | msbKeyRotation        | tolerated |
      | method PUT | msbDeviceRegistration | tolerated |

  @req:MMS-HOSTILE-REPLAY
  Scenario Outline: A replayed <api> request is reported when it is served again
    Neither specification forbids a replay: serving one is an advisory, never a failure.
    Given an attack on <api> as its fixture device
    When the same request is sent twice
    Then a second acceptance is reported as an advisory

    Examples:
      | api               |
      | msbDeviceSnapshot |
      | msbEncryptionCert |
