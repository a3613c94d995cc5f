@fido
Feature: Get Device Out-of-Band Operations (GET /devices/oobOperations/{deviceId})
  Lists the device's out-of-band operations that have not timed out and were not redeemed, as
  a JWE for the signing dispatch target.

  @req:FIDO-OOB-200
  Scenario: Only live, unredeemed operations are listed
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device gets its out-of-band operations
    Then the status is 200
    And the answer is a JWE for the signing dispatch target
    And the decrypted operations have the fields of the spec
    And the operations listed are exactly the fixture's live ones

  @req:FIDO-OOB-TIMEOUT @needs_server_clock @consumes_state
  Scenario: An operation disappears once it times out
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the server lists the operation "op-short-qr" as live
    When 3 minutes pass
    And the device gets its out-of-band operations
    Then the status is 200
    And the operation "op-short-qr" is not listed
    And the operation "op-live-push" is listed

  @req:FIDO-OOB-406
  Scenario: An Accept header other than application/jose;charset=UTF-8 is not acceptable
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the Accept header is "application/json"
    When the device gets its out-of-band operations
    Then the status is 406

  @req:FIDO-REQUEST-ID-LIMIT
  Scenario: An out-of-band request whose requestId has exactly 64 characters is accepted
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the payload field "requestId" is 64 characters long
    When the device gets its out-of-band operations
    Then the status is 200
    And the answer is a JWE for the signing dispatch target

  @req:FIDO-OOB-400
  Scenario Outline: An out-of-band request whose Device-Signature is malformed (<problem>) is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And <setup>
    When the device gets its out-of-band operations
    Then the status is one of <statuses>

    Examples:
      | problem                             | setup                                                      | statuses        |
      | two parts                           | the signed JWS is mutated by "two-part form"               | 400             |
      | no header                           | the request has no Device-Signature header                 | 400 or 401      |
      | requestId of 65 characters          | the payload field "requestId" is 65 characters long        | 400 or 401      |
      | no dispatchTargetId                 | the payload field "dispatchTargetId" is left out           | 400, 401 or 403 |
      | dispatchTargetId a number           | the payload field "dispatchTargetId" is a number           | 400, 401 or 403 |
      | dispatchTargetId null               | the payload field "dispatchTargetId" is null               | 400, 401 or 403 |
      | dispatchTargetId an array           | the payload field "dispatchTargetId" is an array           | 400, 401 or 403 |
      | dispatchTargetId an object          | the payload field "dispatchTargetId" is an object          | 400, 401 or 403 |
      | no requestId                        | the payload field "requestId" is left out                  | 400 or 401      |
      | requestId a number                  | the payload field "requestId" is a number                  | 400 or 401      |
      | requestId null                      | the payload field "requestId" is null                      | 400 or 401      |
      | requestId an array                  | the payload field "requestId" is an array                  | 400 or 401      |
      | requestId an object                 | the payload field "requestId" is an object                 | 400 or 401      |
      | no creationTimeInEpochMillis        | the payload field "creationTimeInEpochMillis" is left out  | 400 or 401      |
      | creationTimeInEpochMillis a string  | the payload field "creationTimeInEpochMillis" is a string  | 400             |
      | creationTimeInEpochMillis NaN       | the payload field "creationTimeInEpochMillis" is NaN       | 400             |
      | creationTimeInEpochMillis Infinity  | the payload field "creationTimeInEpochMillis" is Infinity  | 400             |
      | creationTimeInEpochMillis null      | the payload field "creationTimeInEpochMillis" is null      | 400             |
      | creationTimeInEpochMillis an array  | the payload field "creationTimeInEpochMillis" is an array  | 400 or 401      |
      | creationTimeInEpochMillis an object | the payload field "creationTimeInEpochMillis" is an object | 400 or 401      |
      | payload a JSON array                | the signed payload is a JSON array                         | 400 or 401      |
      | payload a JSON string               | the signed payload is a JSON string                        | 400 or 401      |
      | payload a JSON number               | the signed payload is a JSON number                        | 400 or 401      |

    @erratum
    Examples: a creation time that is a JSON number but not an integer (docs/errata.md)
      | problem                              | setup                                                       | statuses |
      | creationTimeInEpochMillis a fraction | the payload field "creationTimeInEpochMillis" is a fraction | 400      |

  @req:FIDO-OOB-401
  Scenario: A Device-Signature signed with a foreign key is unauthorized
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "foreign key"
    When the device gets its out-of-band operations
    Then the status is 401

  @req:FIDO-OOB-403
  Scenario: Another device's dispatch target is forbidden
    Given the FIDO device "alice-phone" signing with the dispatch target of "bob-phone"
    When the device gets its out-of-band operations
    Then the status is 403
