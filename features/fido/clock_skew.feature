@fido
Feature: Clock divergence between the device and nevisFIDO
  The server refuses a Device-Signature created further from its clock than its tolerance
  (5 minutes by default), ahead or behind, with 401 and exactly
  WWW-Authenticate: JWS error="device_signature_expired", error_description="The device signature expired".
  "Just" means the bench's skew margin (3 s by default) inside or outside the tolerance.
  A rename sets the device's own fixture name and target again, so it changes nothing.

  @req:FIDO-CLOCK-SKEW
  Scenario Outline: <request> from a device clock just inside the tolerance <direction> succeeds
    Given the FIDO device "<device>" signing with its dispatch target 1
    And the FIDO device's clock runs just inside the tolerance <direction>
    When the device <request>
    Then the status is <status>

    Examples:
      | request                          | direction | device      | status |
      | gets its credentials             | ahead     | alice-phone | 200    |
      | gets its credentials             | behind    | alice-phone | 200    |
      | gets its out-of-band operations  | ahead     | alice-phone | 200    |
      | gets its out-of-band operations  | behind    | alice-phone | 200    |
      | renames its dispatch targets     | ahead     | carol-phone | 204    |
      | renames its dispatch targets     | behind    | carol-phone | 204    |

  @req:FIDO-CLOCK-SKEW @consumes_state
  Scenario Outline: A DELETE from a device clock just inside the tolerance <direction> succeeds
    Given the FIDO device "<device>" as provisioned, signing with its dispatch target 1
    And the FIDO device's clock runs just inside the tolerance <direction>
    When the device deletes its credentials
    Then the status is 204

    Examples:
      | direction | device      |
      | ahead     | frank-phone |
      | behind    | grace-phone |

  @req:FIDO-CLOCK-SKEW
  Scenario Outline: <request> from a device clock just outside the tolerance <direction> is refused as expired
    Given the FIDO device "<device>" signing with its dispatch target 1
    And the FIDO device's clock runs just outside the tolerance <direction>
    When the device <request>
    Then the answer says the device signature expired

    Examples:
      | request                          | direction | device      |
      | gets its credentials             | ahead     | alice-phone |
      | gets its credentials             | behind    | alice-phone |
      | gets its out-of-band operations  | ahead     | alice-phone |
      | gets its out-of-band operations  | behind    | alice-phone |
      | renames its dispatch targets     | ahead     | carol-phone |
      | renames its dispatch targets     | behind    | carol-phone |
      | deletes its credentials          | ahead     | dave-phone  |
      | deletes its credentials          | behind    | dave-phone  |

  @req:FIDO-CLOCK-SKEW @consumes_state
  Scenario: A refused expired signature changes nothing
    Given the FIDO device "dave-phone" as provisioned, signing with its dispatch target 1
    And the FIDO device's clock runs just outside the tolerance ahead
    When the device deletes its credentials
    Then the answer says the device signature expired
    When the FIDO device's clock is set right
    And the device gets its credentials
    Then the status is 200
    And the decrypted device lists the fixture's credentials and dispatch targets
