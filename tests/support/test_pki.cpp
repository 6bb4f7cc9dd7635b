//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include "test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <unistd.h>

namespace chatlink_test {

namespace {

struct deleter
{
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
};
template<class T> using ptr = std::unique_ptr<T, deleter>;

void check(bool ok, char const* what)
{
    if(! ok)
        throw std::runtime_error(std::string("test_pki: ") + what);
}

ptr<EVP_PKEY> make_key()
{
    ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

std::string to_pem(X509* x)
{
    ptr<BIO> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), x) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* k)
{
    ptr<BIO> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

ptr<X509> from_pem_cert(std::string const& pem)
{
    ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return ptr<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

ptr<EVP_PKEY> from_pem_key(std::string const& pem)
{
    ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return ptr<EVP_PKEY>(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

void add_ext(X509* x, X509* issuer, int nid, char const* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

// Make a certificate for `key`, signed by `issuer_key` (issuer null: self).
ptr<X509> make_cert(EVP_PKEY* key, char const* cn, X509* issuer, EVP_PKEY* issuer_key,
    bool ca, std::string const& san, long not_before_s, long not_after_s)
{
    ptr<X509> x(X509_new());
    X509_set_version(x.get(), 2);
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()),
        (static_cast<std::uint64_t>(serial[0]) << 24 | serial[1] << 16 | serial[2] << 8 | serial[3]) + 1);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), not_before_s);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), not_after_s);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char const*>(cn), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509* iss = issuer ? issuer : x.get();
    if(ca)
    {
        add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    else
    {
        add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x.get(), iss, NID_ext_key_usage, "serverAuth");
        add_ext(x.get(), iss, NID_subject_alt_name, san.c_str());
    }
    check(X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
    return x;
}

} // namespace

test_pki::test_pki()
{
    auto key = make_key();
    auto cert = make_cert(key.get(), "chatlink test CA", nullptr, nullptr, true, "", -3600, 7 * 86400);
    ca_ = {to_pem(cert.get()), to_pem(key.get())};

    char dir_template[] = "/tmp/chatlink-pki-XXXXXX";
    check(::mkdtemp(dir_template) != nullptr, "mkdtemp");
    dir_ = dir_template;
    ca_file_ = dir_ + "/ca.pem";
    std::ofstream(ca_file_) << ca_.cert;
}

test_pki::~test_pki()
{
    std::remove(ca_file_.c_str());
    ::rmdir(dir_.c_str());
}

pem_pair test_pki::issue(std::string const& san, long not_before_s, long not_after_s) const
{
    auto ca_cert = from_pem_cert(ca_.cert);
    auto ca_key = from_pem_key(ca_.key);
    auto key = make_key();
    auto cert = make_cert(key.get(), "chatlink test leaf", ca_cert.get(), ca_key.get(), false, san,
        not_before_s, not_after_s);
    return {to_pem(cert.get()), to_pem(key.get())};
}

pem_pair test_pki::self_signed(std::string const& san)
{
    auto key = make_key();
    auto cert = make_cert(key.get(), "chatlink self-signed", nullptr, nullptr, false, san, -3600, 86400);
    return {to_pem(cert.get()), to_pem(key.get())};
}

} // namespace chatlink_test
