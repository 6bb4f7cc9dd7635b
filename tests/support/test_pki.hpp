//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Certificates made at test time with OpenSSL's API: a test CA and leaves
// signed by it (or self-signed), valid or expired. Nothing is committed, so
// nothing expires in the repository.
//
#ifndef CHATLINK_TESTS_SUPPORT_TEST_PKI_HPP
#define CHATLINK_TESTS_SUPPORT_TEST_PKI_HPP

#include <string>

namespace chatlink_test {

struct pem_pair
{
    std::string cert; ///< PEM certificate
    std::string key;  ///< PEM private key
};

class test_pki
{
public:
    /// Make a CA and write its certificate to a private temporary file.
    test_pki();
    ~test_pki();

    /// Path of the CA certificate (PEM), for client_options::tls::ca_file.
    std::string const& ca_file() const { return ca_file_; }

    /** Issue a leaf certificate signed by the CA.
        @param san subjectAltName, e.g. "DNS:localhost,IP:127.0.0.1"
        @param not_before_s,not_after_s validity relative to now, in seconds
    */
    pem_pair issue(std::string const& san, long not_before_s = -3600, long not_after_s = 86400) const;

    /// A self-signed leaf certificate that no CA vouches for.
    static pem_pair self_signed(std::string const& san);

private:
    pem_pair ca_;
    std::string dir_;
    std::string ca_file_;
};

} // namespace chatlink_test

#endif
