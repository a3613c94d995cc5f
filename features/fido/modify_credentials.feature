@fido
Feature: Modify Device Credentials (PATCH /devices/credentials/{deviceId})
  The body is a JWS signed by a dispatch target of the device, with the operation
  DispatchTargetUpdate (name and target of all the device's dispatch targets) or Delete
  (keyIds and dispatchTargetIds). Success is 204 with no body. The negative scenarios send
  carol-phone's own name and target again, so a server that wrongly takes one changes nothing.

  @req:FIDO-PATCH-204 @consumes_state
  Scenario: Renaming and retargeting the dispatch targets shows in the next GET
    Given the FIDO device "ivan-phone" as provisioned, signing with its dispatch target 1
    And its dispatch targets are set back to the fixture's after the scenario
    When the device updates its dispatch targets with name "Ivan new phone" and target "fcm-token-ivan-new"
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is 200
    And every dispatch target is named "Ivan new phone" with target "fcm-token-ivan-new"

  @req:FIDO-PATCH-PARTIAL @consumes_state
  Scenario: An update with only a name leaves every target as it was
    Given the FIDO device "judy-phone" as provisioned, signing with its dispatch target 1
    And its dispatch targets are set back to the fixture's after the scenario
    When the device sends a "DispatchTargetUpdate" modification with {"name": "Judy new phone"}
    Then the status is 204
    When the device gets its credentials
    Then the status is 200
    And every dispatch target is named "Judy new phone" and keeps its fixture target

  @req:FIDO-PATCH-PARTIAL @consumes_state
  Scenario: An update with only a target leaves every name as it was
    Given the FIDO device "kim-phone" as provisioned, signing with its dispatch target 1
    And its dispatch targets are set back to the fixture's after the scenario
    When the device sends a "DispatchTargetUpdate" modification with {"target": "fcm-token-kim-new"}
    Then the status is 204
    When the device gets its credentials
    Then the status is 200
    And every dispatch target has the target "fcm-token-kim-new" and keeps its fixture name

  @req:FIDO-PATCH-204 @consumes_state
  Scenario: Deleting a credential and a dispatch target shows in the next GET
    Given the FIDO device "heidi-phone" as provisioned, signing with its dispatch target 1
    When the device deletes its credential "aGVpZGktcGhvbmUta2V5LTI" and its dispatch target 2
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is 200
    And the credential "aGVpZGktcGhvbmUta2V5LTI" is not listed
    And the credential "aGVpZGktcGhvbmUta2V5LTE" is listed
    And its dispatch target 2 is not listed

  @req:FIDO-REQUEST-ID-LIMIT
  Scenario: A modification whose requestId has exactly 64 characters is carried out
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And the payload field "requestId" is 64 characters long
    When the device renames its dispatch targets
    Then the status is 204

  @req:FIDO-PATCH-415
  Scenario Outline: A Content-Type of "<type>" is unsupported
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And the Content-Type header is "<type>"
    When the device renames its dispatch targets
    Then the status is 415

    Examples:
      | type                           |
      | application/json               |
      | text/plain;charset=UTF-8       |

  @req:FIDO-PATCH-415
  Scenario: A Content-Type that leaves out the charset may be refused
    The spec says Content-Type "must be application/jose;charset=UTF-8"; HTTP reads the type
    without the parameter as the same media type. Either answer passes; the report says which.
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And the Content-Type header is "application/jose"
    When the device renames its dispatch targets
    Then the status is one of 204 or 415

  @req:FIDO-PATCH-400
  Scenario Outline: A modification <problem> is a bad request
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    When the device sends a "<operation>" modification with <fields>
    Then the status is one of <statuses>

    Examples:
      | problem                           | operation            | fields                     | statuses   |
      | with an unknown operation         | Rename               | {}                         | 400 or 422 |
      | with keyIds that are no array     | Delete               | {"keyIds": "abc"}          | 400 or 422 |
      | with dispatchTargetIds of numbers | Delete               | {"dispatchTargetIds": [1]} | 400 or 422 |
      | with a name that is a number      | DispatchTargetUpdate | {"name": 7}                | 400 or 422 |

  @req:FIDO-PATCH-400
  Scenario Outline: A modification whose JWS is malformed (<problem>) is a bad request
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And <setup>
    When the device renames its dispatch targets
    Then the status is one of <statuses>

    Examples:
      | problem                             | setup                                                      | statuses        |
      | two parts                           | the signed JWS is mutated by "two-part form"               | 400             |
      | not base64url                       | the signed JWS is mutated by "bad base64url"               | 400             |
      | requestId of 65 characters          | the payload field "requestId" is 65 characters long        | 400 or 401      |
      | no signingDispatchTargetId          | the payload field "signingDispatchTargetId" is left out    | 400, 401 or 403 |
      | signingDispatchTargetId a number    | the payload field "signingDispatchTargetId" is a number    | 400, 401 or 403 |
      | signingDispatchTargetId null        | the payload field "signingDispatchTargetId" is null        | 400, 401 or 403 |
      | signingDispatchTargetId an array    | the payload field "signingDispatchTargetId" is an array    | 400, 401 or 403 |
      | signingDispatchTargetId an object   | the payload field "signingDispatchTargetId" is an object   | 400, 401 or 403 |
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
      | no operation                        | the payload field "operation" is left out                  | 400 or 422      |
      | operation a number                  | the payload field "operation" is a number                  | 400 or 422      |
      | operation null                      | the payload field "operation" is null                      | 400 or 422      |
      | operation an array                  | the payload field "operation" is an array                  | 400 or 422      |
      | operation an object                 | the payload field "operation" is an object                 | 400 or 422      |
      | payload a JSON array                | the signed payload is a JSON array                         | 400 or 401      |
      | payload a JSON string               | the signed payload is a JSON string                        | 400 or 401      |
      | payload a JSON number               | the signed payload is a JSON number                        | 400 or 401      |

    @erratum
    Examples: a creation time that is a JSON number but not an integer (docs/errata.md)
      | problem                              | setup                                                       | statuses |
      | creationTimeInEpochMillis a fraction | the payload field "creationTimeInEpochMillis" is a fraction | 400      |

  @req:FIDO-PATCH-401
  Scenario Outline: A modification whose signature does not verify (<mutation>) is unauthorized
    Given the FIDO device "carol-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device renames its dispatch targets
    Then the status is one of <statuses>

    Examples:
      | mutation         | statuses   |
      | tampered payload | 401        |
      | foreign key      | 401        |
      | alg none         | 400 or 401 |

  @req:FIDO-PATCH-403
  Scenario: A modification signed by another device's dispatch target is forbidden
    Given the FIDO device "carol-phone" signing with the dispatch target of "bob-phone"
    When the device renames its dispatch targets
    Then the status is 403

  @req:FIDO-PATCH-422
  Scenario: A name another dispatch target of the same user has is unprocessable
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device updates its dispatch targets with name "Alice tablet" and target "fcm-token-x"
    Then the status is 422
    When the device gets its credentials
    Then the decrypted device lists the fixture's credentials and dispatch targets
