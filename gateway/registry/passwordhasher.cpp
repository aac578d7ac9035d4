#include "passwordhasher.h"

#include <sodium.h>

namespace drover::registry {

bool PasswordHasher::initialize()
{
    // A function-local static is initialised exactly once even with concurrent callers.
    static const bool initialized = sodium_init() >= 0;
    return initialized;
}

QByteArray PasswordHasher::hash(const QByteArray &password)
{
    if (!initialize()) {
        return QByteArray();
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.constData(), static_cast<unsigned long long>(password.size()),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return QByteArray();
    }
    return QByteArray(out);
}

QByteArray PasswordHasher::hashSecret(const QByteArray &secret)
{
    if (!initialize()) {
        return QByteArray();
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, secret.constData(), static_cast<unsigned long long>(secret.size()),
                              crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return QByteArray();
    }
    return QByteArray(out);
}

bool PasswordHasher::verify(const QByteArray &hash, const QByteArray &password)
{
    // crypto_pwhash_str_verify reads a NUL-terminated string of at most STRBYTES - 1
    // characters; QByteArray's data is NUL-terminated, but an embedded NUL or a longer
    // string is not a hash libsodium wrote.
    if (!initialize() || hash.isEmpty() || hash.size() >= qsizetype(crypto_pwhash_STRBYTES) ||
        hash.contains('\0')) {
        return false;
    }
    return crypto_pwhash_str_verify(hash.constData(), password.constData(),
                                    static_cast<unsigned long long>(password.size())) == 0;
}

void PasswordHasher::wipe(QByteArray &secret)
{
    // data() detaches: only this copy's bytes are overwritten, never a shared buffer that
    // another QByteArray still uses.
    if (!secret.isEmpty()) {
        sodium_memzero(secret.data(), std::size_t(secret.size()));
    }
    secret.clear();
}

} // namespace drover::registry
