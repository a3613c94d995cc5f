@fido
Feature: Modify Device Credentials (PATCH /devices/credentials/{deviceId})
  The body is a JWS signed by a dispatch target of the device, with the operation
  DispatchTargetUpdate (name and target of all the device's dispatch targets) or Delete
  (keyIds and dispatchTargetIds). Success is 204 with no body.

  @req:FIDO-PATCH-204 @consumes_state
  Scenario: Renaming and retargeting the dispatch targets shows in the next GET
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device updates its dispatch targets with name "Alice new phone" and target "fcm-token-new"
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is 200
    And every dispatch target is named "Alice new phone" with target "fcm-token-new"

  @req:FIDO-PATCH-204 @consumes_state
  Scenario: Deleting a credential and a dispatch target shows in the next GET
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    When the device deletes its credential "ZGF2ZS1waG9uZS1rZXktMg" and its dispatch target 2
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is 200
    And the credential "ZGF2ZS1waG9uZS1rZXktMg" is not listed
    And the credential "ZGF2ZS1waG9uZS1rZXktMQ" is listed
    And its dispatch target 2 is not listed

  @req:FIDO-PATCH-415
  Scenario Outline: A Content-Type of "<type>" is unsupported
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the Content-Type header is "<type>"
    When the device sends a "DispatchTargetUpdate" modification with {"name": "x"}
    Then the status is 415

    Examples:
      | type                           |
      | application/json               |
      | application/jose               |
      | text/plain;charset=UTF-8       |

  @req:FIDO-PATCH-400
  Scenario Outline: A modification <problem> is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device sends a "<operation>" modification with <fields>
    Then the status is 400

    Examples:
      | problem                             | operation            | fields                       |
      | with an unknown operation           | Rename               | {}                           |
      | with keyIds that are no array       | Delete               | {"keyIds": "abc"}            |
      | with dispatchTargetIds of numbers   | Delete               | {"dispatchTargetIds": [1]}   |
      | with a name that is a number        | DispatchTargetUpdate | {"name": 7}                  |

  @req:FIDO-PATCH-400
  Scenario Outline: A modification whose JWS is <problem> is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And <setup>
    When the device sends a "DispatchTargetUpdate" modification with {"name": "x"}
    Then the status is 400

    Examples:
      | problem                           | setup                                                   |
      | carrying a requestId of 65 chars  | the payload field "requestId" is 65 characters long     |
      | in two parts                      | the signed JWS is mutated by "two-part form"            |
      | without a signingDispatchTargetId | the payload field "signingDispatchTargetId" is left out |
      | not base64url                     | the signed JWS is mutated by "bad base64url"            |

  @req:FIDO-PATCH-401
  Scenario Outline: A modification whose signature does not verify (<mutation>) is unauthorized
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device sends a "DispatchTargetUpdate" modification with {"name": "x"}
    Then the status is 401

    Examples:
      | mutation         |
      | tampered payload |
      | foreign key      |
      | alg none         |

  @req:FIDO-PATCH-403
  Scenario: A modification signed by another device's dispatch target is forbidden
    Given the FIDO device "alice-phone" signing with the dispatch target of "bob-phone"
    When the device sends a "DispatchTargetUpdate" modification with {"name": "x"}
    Then the status is 403

  @req:FIDO-PATCH-422
  Scenario: A name another dispatch target of the same user has is unprocessable
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device updates its dispatch targets with name "Alice tablet" and target "fcm-token-x"
    Then the status is 422
    When the device gets its credentials
    Then the decrypted device lists the fixture's credentials and dispatch targets
