@fido
Feature: Delete Device Credentials (DELETE /devices/credentials/{deviceId})
  A Device-Signature from a dispatch target of the device deletes the device's credentials;
  success is 204 with no body. (The spec does not say whether the dispatch targets go too: the
  next GET may be refused, or answered with no credentials.)

  @req:FIDO-DELETE-204 @consumes_state
  Scenario: Deleting the device's credentials leaves none a GET can read
    Given the FIDO device "erin-phone" as provisioned, signing with its dispatch target 1
    When the device deletes its credentials
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the device's credentials are gone

  @req:FIDO-REQUEST-ID-LIMIT @consumes_state
  Scenario: A DELETE whose requestId has exactly 64 characters is carried out
    Given the FIDO device "leo-phone" as provisioned, signing with its dispatch target 1
    And the payload field "requestId" is 64 characters long
    When the device deletes its credentials
    Then the status is 204

  @req:FIDO-DELETE-400
  Scenario Outline: A DELETE whose Device-Signature is malformed (<problem>) is a bad request
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    And <setup>
    When the device deletes its credentials
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

  @req:FIDO-DELETE-401
  Scenario Outline: A DELETE whose signature does not verify (<mutation>) is unauthorized
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device deletes its credentials
    Then the status is one of <statuses>

    Examples:
      | mutation           | statuses   |
      | tampered payload   | 401        |
      | stripped signature | 400 or 401 |
      | foreign key        | 401        |

  @req:FIDO-DELETE-403 @consumes_state
  Scenario: A DELETE signed by another device's dispatch target is forbidden
    Given the FIDO device "dave-phone" as provisioned, signing with its dispatch target 1
    And the device signs with the dispatch target of "bob-phone"
    When the device deletes its credentials
    Then the status is 403
    When the device signs with its own dispatch target 1 again
    And the device gets its credentials
    Then the status is 200
