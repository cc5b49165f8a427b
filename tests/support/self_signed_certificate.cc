#include "support/self_signed_certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace loadgate::test_support {
namespace {

template <auto kFree>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

[[noreturn]] void Fail(const char* what) {
  char detail[256] = "";
  ERR_error_string_n(ERR_get_error(), detail, sizeof(detail));
  throw std::runtime_error(std::string("self-signed certificate: ") + what +
                           ": " + detail);
}

void Require(bool ok, const char* what) {
  if (!ok) Fail(what);
}

void AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, const_cast<char*>(value)));
  Require(extension != nullptr, value);
  Require(X509_add_ext(cert, extension.get(), -1) == 1, "X509_add_ext");
}

template <typename WriteFn>
std::string ToPem(WriteFn write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Require(bio != nullptr, "BIO_new");
  Require(write(bio.get()) == 1, "PEM write");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

SelfSignedCertificate MakeSelfSignedCertificate() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  Require(key != nullptr, "EVP_EC_gen");

  X509Ptr cert(X509_new());
  Require(cert != nullptr, "X509_new");
  Require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  Require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1,
          "serial");
  Require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr,
          "notBefore");
  Require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr,
          "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  Require(
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0) == 1,
      "subject");
  Require(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  Require(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), NID_subject_alt_name,
               "DNS:localhost,IP:127.0.0.1,IP:::1");
  Require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  SelfSignedCertificate result;
  result.certificate_pem =
      ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  result.private_key_pem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0,
                                    nullptr, nullptr);
  });
  return result;
}

}  // namespace loadgate::test_support
