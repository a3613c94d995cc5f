@fido
Feature: Delete Device Credentials (DELETE /devices/credentials/{deviceId})
  A Device-Signature from a dispatch target of the device deletes the device's credentials and
  dispatch targets; success is 204 with no body.

  @req:FIDO-DELETE-204 @consumes_state
  Scenario: Deleting the device leaves nothing a GET can read
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    When the device deletes its credentials
    Then the status is 204
    And the answer has no body
    When the device gets its credentials
    Then the status is a refusal

  @req:FIDO-DELETE-400
  Scenario Outline: A DELETE whose Device-Signature is <problem> is a bad request
    Given the FIDO device "dave-phone" signing with its dispatch target 1
    And <setup>
    When the device deletes its credentials
    Then the status is 400

    Examples:
      | problem             | setup                                                |
      | in two parts        | the signed JWS is mutated by "two-part form"         |
      | missing             | the request has no Device-Signature header           |
      | over-long requestId | the payload field "requestId" is 65 characters long  |

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
