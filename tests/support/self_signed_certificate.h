// A throwaway certificate for loopback TLS tests, generated in-process.
#ifndef LOADGATE_TESTS_SUPPORT_SELF_SIGNED_CERTIFICATE_H_
#define LOADGATE_TESTS_SUPPORT_SELF_SIGNED_CERTIFICATE_H_

#include <string>

namespace loadgate::test_support {

struct SelfSignedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8
};

// An EC P-256 key and a self-signed X.509 v3 certificate for CN=localhost
// with subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, valid from an
// hour ago for a day. No system trust store knows it, which is the point:
// a verifying client must reject it. Throws std::runtime_error on an
// OpenSSL failure.
SelfSignedCertificate MakeSelfSignedCertificate();

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_SELF_SIGNED_CERTIFICATE_H_
