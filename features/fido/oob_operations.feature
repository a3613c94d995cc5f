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

  @req:FIDO-OOB-TIMEOUT @needs_clock_hook @consumes_state
  Scenario: An operation disappears once it times out
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    When the device gets its out-of-band operations
    Then the operation "op-short-qr" is listed
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

  @req:FIDO-OOB-400
  Scenario: A Device-Signature in two parts is a bad request
    Given the FIDO device "alice-phone" signing with its dispatch target 1
    And the signed JWS is mutated by "two-part form"
    When the device gets its out-of-band operations
    Then the status is 400

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
