@fido @hostile
Feature: Hostile requests to the Device Service: the JOSE attack catalogue, JSON and HTTP oddities
  Every attack runs on every endpoint, built from the request the device would send (the JWS in
  the Device-Signature header, or the PATCH body), signed with the fixture keys of a dispatch
  target of alice-tablet, so it differs from a legitimate one by its attack alone. "refused" is
  400, 401 or 403 (or the connection closed); "4xx" any client error or a redirect; "tolerated"
  (RFC 7515 or RFC 8259 let a server read it as the legitimate request, or docs/errata.md allows
  both) and "harmless" any answer, but nothing may change. A 5xx is always a failure; after
  each case the device's credentials are answered and unchanged, and no URL a token named was
  fetched (the canary). A PATCH that must be refused renames the device's dispatch targets, so
  executing it shows.

  @req:FIDO-HOSTILE-ALG
  Scenario Outline: <endpoint> against the algorithm attack "<attack>": <outcome>
    The JWS: alg none in every spelling, HMAC keyed with the public key, an RS256 signature under
    another algorithm's name.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-ALG
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                              | endpoint           | outcome |
      | alg none                            | get credentials    | refused |
      | alg None                            | get credentials    | refused |
      | alg NONE                            | get credentials    | refused |
      | alg nOnE                            | get credentials    | refused |
      | alg none with the signature kept    | get credentials    | refused |
      | alg left out                        | get credentials    | refused |
      | alg empty                           | get credentials    | refused |
      | HS256 keyed with the public key PEM | get credentials    | refused |
      | HS256 keyed with the public key DER | get credentials    | refused |
      | HS512 keyed with the public key PEM | get credentials    | refused |
      | RS256 signature labelled RS512      | get credentials    | refused |
      | RS256 signature labelled PS256      | get credentials    | refused |
      | RS256 signature labelled ES256      | get credentials    | refused |
      | alg none                            | get oob operations | refused |
      | alg None                            | get oob operations | refused |
      | alg NONE                            | get oob operations | refused |
      | alg nOnE                            | get oob operations | refused |
      | alg none with the signature kept    | get oob operations | refused |
      | alg left out                        | get oob operations | refused |
      | alg empty                           | get oob operations | refused |
      | HS256 keyed with the public key PEM | get oob operations | refused |
      | HS256 keyed with the public key DER | get oob operations | refused |
      | HS512 keyed with the public key PEM | get oob operations | refused |
      | RS256 signature labelled RS512      | get oob operations | refused |
      | RS256 signature labelled PS256      | get oob operations | refused |
      | RS256 signature labelled ES256      | get oob operations | refused |
      | alg none                            | modify             | refused |
      | alg None                            | modify             | refused |
      | alg NONE                            | modify             | refused |
      | alg nOnE                            | modify             | refused |
      | alg none with the signature kept    | modify             | refused |
      | alg left out                        | modify             | refused |
      | alg empty                           | modify             | refused |
      | HS256 keyed with the public key PEM | modify             | refused |
      | HS256 keyed with the public key DER | modify             | refused |
      | HS512 keyed with the public key PEM | modify             | refused |
      | RS256 signature labelled RS512      | modify             | refused |
      | RS256 signature labelled PS256      | modify             | refused |
      | RS256 signature labelled ES256      | modify             | refused |
      | alg none                            | delete             | refused |
      | alg None                            | delete             | refused |
      | alg NONE                            | delete             | refused |
      | alg nOnE                            | delete             | refused |
      | alg none with the signature kept    | delete             | refused |
      | alg left out                        | delete             | refused |
      | alg empty                           | delete             | refused |
      | HS256 keyed with the public key PEM | delete             | refused |
      | HS256 keyed with the public key DER | delete             | refused |
      | HS512 keyed with the public key PEM | delete             | refused |
      | RS256 signature labelled RS512      | delete             | refused |
      | RS256 signature labelled PS256      | delete             | refused |
      | RS256 signature labelled ES256      | delete             | refused |

  @req:FIDO-HOSTILE-SIG
  Scenario Outline: <endpoint> against the signature attack "<attack>": <outcome>
    The JWS: the signature stripped, truncated, padded, flipped, zeroed or borrowed, the payload changed
    after signing, a foreign key.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-SIG
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                           | endpoint           | outcome |
      | signature stripped               | get credentials    | refused |
      | signature truncated              | get credentials    | refused |
      | signature padded with zero bytes | get credentials    | refused |
      | signature with one bit flipped   | get credentials    | refused |
      | signature of all zero bytes      | get credentials    | refused |
      | signature of another request     | get credentials    | refused |
      | payload tampered after signing   | get credentials    | refused |
      | signed by a foreign key          | get credentials    | refused |
      | signature stripped               | get oob operations | refused |
      | signature truncated              | get oob operations | refused |
      | signature padded with zero bytes | get oob operations | refused |
      | signature with one bit flipped   | get oob operations | refused |
      | signature of all zero bytes      | get oob operations | refused |
      | signature of another request     | get oob operations | refused |
      | payload tampered after signing   | get oob operations | refused |
      | signed by a foreign key          | get oob operations | refused |
      | signature stripped               | modify             | refused |
      | signature truncated              | modify             | refused |
      | signature padded with zero bytes | modify             | refused |
      | signature with one bit flipped   | modify             | refused |
      | signature of all zero bytes      | modify             | refused |
      | signature of another request     | modify             | refused |
      | payload tampered after signing   | modify             | refused |
      | signed by a foreign key          | modify             | refused |
      | signature stripped               | delete             | refused |
      | signature truncated              | delete             | refused |
      | signature padded with zero bytes | delete             | refused |
      | signature with one bit flipped   | delete             | refused |
      | signature of all zero bytes      | delete             | refused |
      | signature of another request     | delete             | refused |
      | payload tampered after signing   | delete             | refused |
      | signed by a foreign key          | delete             | refused |

  @req:FIDO-HOSTILE-KEYS
  Scenario Outline: <endpoint> against the key attack "<attack>": <outcome>
    The JWS: keys the header offers: x5c injection, jku/x5u to the canary (never fetched), an embedded
    jwk, kid tricks.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-KEYS
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                          | endpoint           | outcome |
      | x5c of the attacker's self-signed certificate   | get credentials    | refused |
      | x5c of the attacker before the legitimate chain | get credentials    | refused |
      | jku to the canary, foreign key                  | get credentials    | refused |
      | x5u to the canary, foreign key                  | get credentials    | refused |
      | jwk of the foreign key                          | get credentials    | refused |
      | kid path traversal, foreign key                 | get credentials    | refused |
      | kid SQL injection, foreign key                  | get credentials    | refused |
      | kid empty, foreign key                          | get credentials    | refused |
      | x5c of the attacker's self-signed certificate   | get oob operations | refused |
      | x5c of the attacker before the legitimate chain | get oob operations | refused |
      | jku to the canary, foreign key                  | get oob operations | refused |
      | x5u to the canary, foreign key                  | get oob operations | refused |
      | jwk of the foreign key                          | get oob operations | refused |
      | kid path traversal, foreign key                 | get oob operations | refused |
      | kid SQL injection, foreign key                  | get oob operations | refused |
      | kid empty, foreign key                          | get oob operations | refused |
      | x5c of the attacker's self-signed certificate   | modify             | refused |
      | x5c of the attacker before the legitimate chain | modify             | refused |
      | jku to the canary, foreign key                  | modify             | refused |
      | x5u to the canary, foreign key                  | modify             | refused |
      | jwk of the foreign key                          | modify             | refused |
      | kid path traversal, foreign key                 | modify             | refused |
      | kid SQL injection, foreign key                  | modify             | refused |
      | kid empty, foreign key                          | modify             | refused |
      | x5c of the attacker's self-signed certificate   | delete             | refused |
      | x5c of the attacker before the legitimate chain | delete             | refused |
      | jku to the canary, foreign key                  | delete             | refused |
      | x5u to the canary, foreign key                  | delete             | refused |
      | jwk of the foreign key                          | delete             | refused |
      | kid path traversal, foreign key                 | delete             | refused |
      | kid SQL injection, foreign key                  | delete             | refused |
      | kid empty, foreign key                          | delete             | refused |

  @req:FIDO-HOSTILE-KEYS
  Scenario Outline: <endpoint> against the key attack "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which changes nothing (a PATCH
    that sets what the device has; a tolerated request never goes to delete).
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-KEYS
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                  | endpoint           | outcome   |
      | x5c empty                               | get credentials    | tolerated |
      | x5c a string                            | get credentials    | tolerated |
      | x5c entry not base64                    | get credentials    | tolerated |
      | jku to the canary, legitimate signature | get credentials    | tolerated |
      | x5u to the canary, legitimate signature | get credentials    | tolerated |
      | x5c empty                               | get oob operations | tolerated |
      | x5c a string                            | get oob operations | tolerated |
      | x5c entry not base64                    | get oob operations | tolerated |
      | jku to the canary, legitimate signature | get oob operations | tolerated |
      | x5u to the canary, legitimate signature | get oob operations | tolerated |
      | x5c empty                               | modify             | tolerated |
      | x5c a string                            | modify             | tolerated |
      | x5c entry not base64                    | modify             | tolerated |
      | jku to the canary, legitimate signature | modify             | tolerated |
      | x5u to the canary, legitimate signature | modify             | tolerated |

  @req:FIDO-HOSTILE-HEADER
  Scenario Outline: <endpoint> against the header attack "<attack>": <outcome>
    The JWS: crit and b64 (docs/errata.md: refused), duplicate members, base64url and compact-form variants.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-HEADER
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                           | endpoint           | outcome |
      | crit naming an unknown parameter | get credentials    | refused |
      | crit as a string                 | get credentials    | refused |
      | b64 false (RFC 7797)             | get credentials    | refused |
      | b64 false outside crit           | get credentials    | refused |
      | header alg twice, the last none  | get credentials    | refused |
      | a fourth segment                 | get credentials    | refused |
      | header and payload only          | get credentials    | refused |
      | empty token                      | get credentials    | refused |
      | dots only                        | get credentials    | refused |
      | crit naming an unknown parameter | get oob operations | refused |
      | crit as a string                 | get oob operations | refused |
      | b64 false (RFC 7797)             | get oob operations | refused |
      | b64 false outside crit           | get oob operations | refused |
      | header alg twice, the last none  | get oob operations | refused |
      | a fourth segment                 | get oob operations | refused |
      | header and payload only          | get oob operations | refused |
      | empty token                      | get oob operations | refused |
      | dots only                        | get oob operations | refused |
      | crit naming an unknown parameter | modify             | refused |
      | crit as a string                 | modify             | refused |
      | b64 false (RFC 7797)             | modify             | refused |
      | b64 false outside crit           | modify             | refused |
      | header alg twice, the last none  | modify             | refused |
      | a fourth segment                 | modify             | refused |
      | header and payload only          | modify             | refused |
      | empty token                      | modify             | refused |
      | dots only                        | modify             | refused |
      | crit naming an unknown parameter | delete             | refused |
      | crit as a string                 | delete             | refused |
      | b64 false (RFC 7797)             | delete             | refused |
      | b64 false outside crit           | delete             | refused |
      | header alg twice, the last none  | delete             | refused |
      | a fourth segment                 | delete             | refused |
      | header and payload only          | delete             | refused |
      | empty token                      | delete             | refused |
      | dots only                        | delete             | refused |

  @req:FIDO-HOSTILE-HEADER
  Scenario Outline: <endpoint> against the header attack "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which changes nothing (a PATCH
    that sets what the device has; a tolerated request never goes to delete).
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-HEADER
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                   | endpoint           | outcome   |
      | crit naming b64 without it               | get credentials    | tolerated |
      | crit empty                               | get credentials    | tolerated |
      | payload identity twice, the last another | get credentials    | tolerated |
      | segments padded with =                   | get credentials    | tolerated |
      | standard base64 alphabet                 | get credentials    | tolerated |
      | a space inside the token                 | get credentials    | tolerated |
      | crit naming b64 without it               | get oob operations | tolerated |
      | crit empty                               | get oob operations | tolerated |
      | payload identity twice, the last another | get oob operations | tolerated |
      | segments padded with =                   | get oob operations | tolerated |
      | standard base64 alphabet                 | get oob operations | tolerated |
      | a space inside the token                 | get oob operations | tolerated |
      | crit naming b64 without it               | modify             | tolerated |
      | crit empty                               | modify             | tolerated |
      | payload identity twice, the last another | modify             | tolerated |
      | segments padded with =                   | modify             | tolerated |
      | standard base64 alphabet                 | modify             | tolerated |
      | a space inside the token                 | modify             | tolerated |

  @req:FIDO-HOSTILE-PAYLOAD
  Scenario Outline: <endpoint> against the payload oddity "<attack>": <outcome>
    In the signed payload, where the dispatch target is named: depth, lone surrogates, NUL,
    non-UTF-8, NaN, huge numbers, wrong types, duplicate names, non-JSON.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-PAYLOAD
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                                   | endpoint           | outcome |
      | payload nested 10000 deep                | get credentials    | 4xx     |
      | identity nested 100 deep                 | get credentials    | refused |
      | identity with a lone surrogate           | get credentials    | refused |
      | identity with a NUL                      | get credentials    | refused |
      | identity with bytes that are not UTF-8   | get credentials    | refused |
      | identity NaN                             | get credentials    | refused |
      | identity Infinity                        | get credentials    | refused |
      | identity a number too large for a double | get credentials    | refused |
      | identity true                            | get credentials    | refused |
      | identity 100 KB long                     | get credentials    | 4xx     |
      | identity with SQL injection              | get credentials    | refused |
      | payload not JSON                         | get credentials    | refused |
      | payload empty                            | get credentials    | refused |
      | payload with trailing garbage            | get credentials    | refused |
      | payload nested 10000 deep                | get oob operations | 4xx     |
      | identity nested 100 deep                 | get oob operations | refused |
      | identity with a lone surrogate           | get oob operations | refused |
      | identity with a NUL                      | get oob operations | refused |
      | identity with bytes that are not UTF-8   | get oob operations | refused |
      | identity NaN                             | get oob operations | refused |
      | identity Infinity                        | get oob operations | refused |
      | identity a number too large for a double | get oob operations | refused |
      | identity true                            | get oob operations | refused |
      | identity 100 KB long                     | get oob operations | 4xx     |
      | identity with SQL injection              | get oob operations | refused |
      | payload not JSON                         | get oob operations | refused |
      | payload empty                            | get oob operations | refused |
      | payload with trailing garbage            | get oob operations | refused |
      | payload nested 10000 deep                | modify             | 4xx     |
      | identity nested 100 deep                 | modify             | refused |
      | identity with a lone surrogate           | modify             | refused |
      | identity with a NUL                      | modify             | refused |
      | identity with bytes that are not UTF-8   | modify             | refused |
      | identity NaN                             | modify             | refused |
      | identity Infinity                        | modify             | refused |
      | identity a number too large for a double | modify             | refused |
      | identity true                            | modify             | refused |
      | identity 100 KB long                     | modify             | 4xx     |
      | identity with SQL injection              | modify             | refused |
      | payload not JSON                         | modify             | refused |
      | payload empty                            | modify             | refused |
      | payload with trailing garbage            | modify             | refused |
      | payload nested 10000 deep                | delete             | 4xx     |
      | identity nested 100 deep                 | delete             | refused |
      | identity with a lone surrogate           | delete             | refused |
      | identity with a NUL                      | delete             | refused |
      | identity with bytes that are not UTF-8   | delete             | refused |
      | identity NaN                             | delete             | refused |
      | identity Infinity                        | delete             | refused |
      | identity a number too large for a double | delete             | refused |
      | identity true                            | delete             | refused |
      | identity 100 KB long                     | delete             | 4xx     |
      | identity with SQL injection              | delete             | refused |
      | payload not JSON                         | delete             | refused |
      | payload empty                            | delete             | refused |
      | payload with trailing garbage            | delete             | refused |

  @req:FIDO-HOSTILE-HTTP
  Scenario Outline: <endpoint> against the HTTP oddity "<attack>": <outcome>
    Two JWS where one belongs (docs/errata.md: 400), other methods (a HEAD is never a PATCH),
    device ids that traverse, carry a surrogate or a NUL or are 10 KB long, a body over 1 MiB.
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-HTTP
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                          | endpoint           | outcome  |
      | the JWS twice, the junk first   | get credentials    | refused  |
      | HEAD instead                    | get credentials    | harmless |
      | PUT instead                     | get credentials    | 4xx      |
      | POST instead                    | get credentials    | 4xx      |
      | device id traversing the path   | get credentials    | 4xx      |
      | device id with a lone surrogate | get credentials    | 4xx      |
      | device id with a NUL            | get credentials    | 4xx      |
      | device id 10 KB long            | get credentials    | 4xx      |
      | the JWS twice, the junk first   | get oob operations | refused  |
      | HEAD instead                    | get oob operations | harmless |
      | PUT instead                     | get oob operations | 4xx      |
      | POST instead                    | get oob operations | 4xx      |
      | device id traversing the path   | get oob operations | 4xx      |
      | device id with a lone surrogate | get oob operations | 4xx      |
      | device id with a NUL            | get oob operations | 4xx      |
      | device id 10 KB long            | get oob operations | 4xx      |
      | the JWS twice, the junk first   | modify             | refused  |
      | the JWS twice, the junk last    | modify             | refused  |
      | HEAD instead                    | modify             | harmless |
      | PUT instead                     | modify             | 4xx      |
      | POST instead                    | modify             | 4xx      |
      | device id traversing the path   | modify             | 4xx      |
      | device id with a lone surrogate | modify             | 4xx      |
      | device id with a NUL            | modify             | 4xx      |
      | device id 10 KB long            | modify             | 4xx      |
      | a body over 1 MiB               | modify             | 4xx      |
      | the JWS twice, the junk first   | delete             | refused  |
      | HEAD instead                    | delete             | harmless |
      | PUT instead                     | delete             | 4xx      |
      | POST instead                    | delete             | 4xx      |
      | device id traversing the path   | delete             | 4xx      |
      | device id with a lone surrogate | delete             | 4xx      |
      | device id with a NUL            | delete             | 4xx      |
      | device id 10 KB long            | delete             | 4xx      |

  @req:FIDO-HOSTILE-HTTP
  Scenario Outline: <endpoint> against the HTTP oddity "<attack>", which a server may serve: <outcome>
    Tolerated: a server may serve it as the legitimate request, which changes nothing (a PATCH
    that sets what the device has; a tolerated request never goes to delete).
    Given an attack on "<endpoint>" as its fixture device
    When the hostile request "<attack>" is sent, pinned <outcome>
    Then the answer is <outcome> with requirement FIDO-HOSTILE-HTTP
    And the server still answers and holds the same state for the device
    And nothing fetched the canary

    Examples:
      | attack                       | endpoint           | outcome   |
      | the JWS twice, the junk last | get credentials    | tolerated |
      | a body over 1 MiB            | get credentials    | tolerated |
      | the JWS twice, the junk last | get oob operations | tolerated |
      | a body over 1 MiB            | get oob operations | tolerated |

  @req:FIDO-HOSTILE-REPLAY
  Scenario Outline: A replayed <endpoint> request is reported when it is served again
    Neither specification forbids a replay: serving one is an advisory, never a failure.
    Given an attack on "<endpoint>" as its fixture device
    When the same request is sent twice
    Then a second acceptance is reported as an advisory

    Examples:
      | endpoint           |
      | get credentials    |
      | get oob operations |
