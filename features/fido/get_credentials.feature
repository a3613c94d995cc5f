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
      | application/jose         |
      | text/plain;charset=UTF-8 |

  @req:FIDO-GET-406
  Scenario: A request without an Accept header is not acceptable
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the request has no Accept header
    When the device gets its credentials
    Then the status is 406

  @req:FIDO-GET-400
  Scenario Outline: A Device-Signature <problem> is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And <setup>
    When the device gets its credentials
    Then the status is 400

    Examples:
      | problem                          | setup                                                            |
      | in two parts                     | the signed JWS is mutated by "two-part form"                     |
      | that is not base64url            | the signed JWS is mutated by "bad base64url"                     |
      | with a requestId of 65 characters | the payload field "requestId" is 65 characters long             |
      | without a dispatchTargetId       | the payload field "dispatchTargetId" is left out                 |
      | with a creation time in words    | the payload field "creationTimeInEpochMillis" is "yesterday"     |

  @req:FIDO-GET-401
  Scenario Outline: A Device-Signature that does not verify (<mutation>) is unauthorized
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "<mutation>"
    When the device gets its credentials
    Then the status is 401

    Examples:
      | mutation           |
      | tampered payload   |
      | stripped signature |
      | alg none           |
      | foreign key        |
      | untrusted chain    |

  @req:FIDO-GET-401
  Scenario: A dispatch target the server does not know is unauthorized
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the payload field "dispatchTargetId" is "00000000-0000-4000-8000-00000000dead"
    When the device gets its credentials
    Then the status is 401

  @req:FIDO-GET-403
  Scenario: A dispatch target of another device is forbidden
    Given the FIDO device "alice-phone" signing with the dispatch target of "bob-phone"
    When the device gets its credentials
    Then the status is 403

  @req:FIDO-GET-500 @needs_fault_hook
  Scenario: A server that hits an internal fault answers 500
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the Device Service is made to fail its next request
    When the device gets its credentials
    Then the status is 500
