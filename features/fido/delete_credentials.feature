@fido
Feature: Delete Device Credentials (DELETE /devices/credentials/{deviceId})
  A Device-Signature from a dispatch target of the device deletes the device's credentials and
  dispatch targets; success is 204 with no body.

  @req:FIDO-DELETE-204 @consumes_state
  Scenario: Deleting the device leaves nothing a GET can read
    Given the FIDO device "erin-phone" as provisioned, signing with its dispatch target 1
    When the device deletes its credentials
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is a refusal

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
    Then the status is 400

    Examples:
      | problem                              | setup                                                       |
      | two parts                            | the signed JWS is mutated by "two-part form"                |
      | no header                            | the request has no Device-Signature header                  |
      | requestId of 65 characters           | the payload field "requestId" is 65 characters long         |
      | no dispatchTargetId                  | the payload field "dispatchTargetId" is left out            |
      | dispatchTargetId a number            | the payload field "dispatchTargetId" is a number            |
      | dispatchTargetId null                | the payload field "dispatchTargetId" is null                |
      | dispatchTargetId an array            | the payload field "dispatchTargetId" is an array            |
      | dispatchTargetId an object           | the payload field "dispatchTargetId" is an object           |
      | no requestId                         | the payload field "requestId" is left out                   |
      | requestId a number                   | the payload field "requestId" is a number                   |
      | requestId null                       | the payload field "requestId" is null                       |
      | requestId an array                   | the payload field "requestId" is an array                   |
      | requestId an object                  | the payload field "requestId" is an object                  |
      | no creationTimeInEpochMillis         | the payload field "creationTimeInEpochMillis" is left out   |
      | creationTimeInEpochMillis a string   | the payload field "creationTimeInEpochMillis" is a string   |
      | creationTimeInEpochMillis NaN        | the payload field "creationTimeInEpochMillis" is NaN        |
      | creationTimeInEpochMillis Infinity   | the payload field "creationTimeInEpochMillis" is Infinity   |
      | creationTimeInEpochMillis null       | the payload field "creationTimeInEpochMillis" is null       |
      | creationTimeInEpochMillis an array   | the payload field "creationTimeInEpochMillis" is an array   |
      | creationTimeInEpochMillis an object  | the payload field "creationTimeInEpochMillis" is an object  |
      | payload a JSON array                 | the signed payload is a JSON array                          |
      | payload a JSON string                | the signed payload is a JSON string                         |
      | payload a JSON number                | the signed payload is a JSON number                         |

    @erratum
    Examples: a creation time that is a JSON number but not an integer (DESIGN errata)
      | problem                              | setup                                                       |
      | creationTimeInEpochMillis a fraction | the payload field "creationTimeInEpochMillis" is a fraction |

  @req:FIDO-DELETE-401
  Scenario Outline: A DELETE whose signature does not verify (<mutation>) is unauthorized
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device deletes its credentials
    Then the status is 401

    Examples:
      | mutation           |
      | tampered payload   |
      | stripped signature |
      | foreign key        |

  @req:FIDO-DELETE-403
  Scenario: A DELETE signed by another device's dispatch target is forbidden
    Given the FIDO device "dave-phone" signing with the dispatch target of "bob-phone"
    When the device deletes its credentials
    Then the status is 403
    When the device signs with its own dispatch target 1 again
    And the device gets its credentials
    Then the status is 200
