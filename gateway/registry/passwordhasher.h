// Password hashing with libsodium's crypto_pwhash (Argon2id), the one place that touches
// the KDF. Hashing and verifying cost tens to hundreds of milliseconds and 64 MiB on
// purpose, so nothing here may run on the event loop: DeviceRegistry runs verify() on a
// thread pool, and `droverd hash-password` calls hash() before any event loop exists.
#pragma once

#include <QByteArray>

namespace drover::registry {

class PasswordHasher
{
public:
    // Initialises libsodium (once per process, thread-safe). False if it cannot, which
    // happens only without a usable randomness source; hash() and verify() then fail.
    static bool initialize();

    // The crypto_pwhash_str string for password ("$argon2id$v=19$m=65536,t=2,p=1$..."),
    // with OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE and a random salt; empty on
    // failure (out of memory, or initialize() failed).
    static QByteArray hash(const QByteArray &password);

    // The crypto_pwhash_str string for a machine-made secret of full entropy (the demo's
    // simulated devices get 32 random bytes), at Argon2id's minimum cost: guessing such a
    // secret is hopeless whatever the hash costs, so checking it need not take 64 MiB and a
    // tenth of a second. Never for a password a person chose. Empty on failure.
    static QByteArray hashSecret(const QByteArray &secret);

    // Whether password matches hash, an "$argon2id$" or "$argon2i$" string. False for a
    // malformed hash. Constant time in the password's content.
    static bool verify(const QByteArray &hash, const QByteArray &password);

    // Overwrites the bytes of secret with zeros in a way the compiler cannot drop, then
    // clears it, so a password does not linger in freed memory.
    static void wipe(QByteArray &secret);
};

} // namespace drover::registry
