"""A device's FIDO client graded from the Device Service's side: one scenario's set-up (the bench
device with the client under test, the reference Device Service recording and scripted) and the
verdicts on what the client sent and reported."""
