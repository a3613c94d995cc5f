"""JOSE: compact RS256 JWS with x5c (build, verify, decode) and named negative-test mutations."""
