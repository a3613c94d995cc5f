@fido
Feature: Get Device Credentials (GET /devices/credentials/{deviceId})
  The device signs a Device-Signature JWS with a dispatch target's signature key and asks for
  application/jose;charset=UTF-8; the answer is a JWE only that dispatch target can decrypt.

  @req:FIDO-GET-200
  Scenario: A device reads its credentials, encrypted for the signing dispatch target
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device gets its credentials
    Then the status is 200
    And the answer is a JWE for the signing dispatch target
    And the decrypted device has the fields of the spec
    And the decrypted device lists the fixture's credentials and dispatch targets

  @req:FIDO-GET-200
  Scenario: Either dispatch target of a device may sign
    Given the FIDO device "alice-phone" signing with its dispatch target 2
    When the device gets its credentials
    Then the status is 200
    And the answer is a JWE for the signing dispatch target

  @req:FIDO-GET-406
  Scenario Outline: An Accept header of "<accept>" is not acceptable
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the Accept header is "<accept>"
    When the device gets its credentials
    Then the status is 406

    Examples:
      | accept                   |
      | application/json         |
      | text/plain;charset=UTF-8 |

  @req:FIDO-GET-406
  Scenario Outline: An Accept header that leaves out the charset (<accept>) may be refused
    The spec says Accept "must be application/jose;charset=UTF-8"; HTTP reads an Accept without
    the parameter, or none at all, as accepting that type. Either answer passes; the report says
    which.
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And <setup>
    When the device gets its credentials
    Then the status is one of 200 or 406

    Examples:
      | accept           | setup                                   |
      | application/jose | the Accept header is "application/jose" |
      | none             | the request has no Accept header        |

  @req:FIDO-REQUEST-ID-LIMIT
  Scenario: A Device-Signature whose requestId has exactly 64 characters is accepted
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the payload field "requestId" is 64 characters long
    When the device gets its credentials
    Then the status is 200
    And the answer is a JWE for the signing dispatch target

  @req:FIDO-GET-400
  Scenario Outline: A Device-Signature that is malformed (<problem>) is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And <setup>
    When the device gets its credentials
    Then the status is one of <statuses>

    Examples:
      | problem                             | setup                                                        | statuses        |
      | two parts                           | the signed JWS is mutated by "two-part form"                 | 400             |
      | not base64url                       | the signed JWS is mutated by "bad base64url"                 | 400             |
      | creation time in words              | the payload field "creationTimeInEpochMillis" is "yesterday" | 400             |
      | requestId of 65 characters          | the payload field "requestId" is 65 characters long          | 400 or 401      |
      | no dispatchTargetId                 | the payload field "dispatchTargetId" is left out             | 400, 401 or 403 |
      | dispatchTargetId a number           | the payload field "dispatchTargetId" is a number             | 400, 401 or 403 |
      | dispatchTargetId null               | the payload field "dispatchTargetId" is null                 | 400, 401 or 403 |
      | dispatchTargetId an array           | the payload field "dispatchTargetId" is an array             | 400, 401 or 403 |
      | dispatchTargetId an object          | the payload field "dispatchTargetId" is an object            | 400, 401 or 403 |
      | no requestId                        | the payload field "requestId" is left out                    | 400 or 401      |
      | requestId a number                  | the payload field "requestId" is a number                    | 400 or 401      |
      | requestId null                      | the payload field "requestId" is null                        | 400 or 401      |
      | requestId an array                  | the payload field "requestId" is an array                    | 400 or 401      |
      | requestId an object                 | the payload field "requestId" is an object                   | 400 or 401      |
      | no creationTimeInEpochMillis        | the payload field "creationTimeInEpochMillis" is left out    | 400 or 401      |
      | creationTimeInEpochMillis a string  | the payload field "creationTimeInEpochMillis" is a string    | 400             |
      | creationTimeInEpochMillis NaN       | the payload field "creationTimeInEpochMillis" is NaN         | 400             |
      | creationTimeInEpochMillis Infinity  | the payload field "creationTimeInEpochMillis" is Infinity    | 400             |
      | creationTimeInEpochMillis null      | the payload field "creationTimeInEpochMillis" is null        | 400             |
      | creationTimeInEpochMillis an array  | the payload field "creationTimeInEpochMillis" is an array    | 400 or 401      |
      | creationTimeInEpochMillis an object | the payload field "creationTimeInEpochMillis" is an object   | 400 or 401      |
      | payload a JSON array                | the signed payload is a JSON array                           | 400 or 401      |
      | payload a JSON string               | the signed payload is a JSON string                          | 400 or 401      |
      | payload a JSON number               | the signed payload is a JSON number                          | 400 or 401      |

    @erratum
    Examples: a creation time that is a JSON number but not an integer (docs/errata.md)
      | problem                              | setup                                                       | statuses |
      | creationTimeInEpochMillis a fraction | the payload field "creationTimeInEpochMillis" is a fraction | 400      |

  @req:FIDO-GET-401
  Scenario Outline: A Device-Signature that does not verify (<mutation>) is unauthorized
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device gets its credentials
    Then the status is one of <statuses>

    Examples:
      | mutation           | statuses   |
      | tampered payload   | 401        |
      | stripped signature | 400 or 401 |
      | alg none           | 400 or 401 |
      | foreign key        | 401        |
      | untrusted chain    | 401        |

  @req:FIDO-GET-401
  Scenario: A dispatch target the server does not know is refused
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the payload field "dispatchTargetId" is "00000000-0000-4000-8000-00000000dead"
    When the device gets its credentials
    Then the status is the refusal for an unknown dispatch target

  @req:FIDO-GET-403
  Scenario: A dispatch target of another device is forbidden
    Given the FIDO device "alice-phone" signing with the dispatch target of "bob-phone"
    When the device gets its credentials
    Then the status is 403

  @req:FIDO-GET-500 @needs_server_fault
  Scenario: A server that hits an internal fault answers 500
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the Device Service is made to fail its next request
    When the device gets its credentials
    Then the status is 500
