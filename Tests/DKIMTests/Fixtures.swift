// A 512-bit RSA public key made with `openssl genpkey`, too short for DKIM on purpose (RFC 8301).
enum Fixtures {
    static let rsa512SubjectPublicKeyInfoBase64 = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKnOIwAxwsV8Mk1ZTCXUxKLh3Pc9GJslqY43rz8g5aIhH24VMYCGd7BF0Y0PuG9A2+8b8eyBP5aLdGhJnJ7Ct+MCAwEAAQ=="
}
