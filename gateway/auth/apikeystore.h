// The API keys of the state directory (api-keys.json): read, changed and written whole.
// `droverd keys` writes the file (atomically, mode 0600); droverd only reads it. Only
// hashes are stored: a key's text exists once, on the operator's terminal, when it is made.
//
// File format (version 1), times in RFC 3339 UTC:
//   {"version": 1, "keys": [{"id": "3f9a0c1b7e42", "user": "alice", "hash": "$argon2id$...",
//     "created": "2025-05-01T10:00:00Z", "expires": null, "revoked": null, "label": "ci"}]}
#pragma once

#include "apikey.h"

#include <QList>

#include <optional>

namespace drover::auth {

class ApiKeyStore
{
public:
    static constexpr char FileName[] = "api-keys.json";
    static constexpr char KeyPrefix[] = "drv_";

    // <stateDir>/api-keys.json
    static QString filePath(const QString &stateDir);

    // The keys of the file at path; a missing file is an empty store. nullopt with error
    // ("<path>:3:17: not valid JSON: ..." or "<path>: keys[2].user: ...") when the file
    // can't be read or is not a key file. Errors never quote a hash.
    static std::optional<ApiKeyStore> load(const QString &path, QString *error);
    static std::optional<ApiKeyStore> fromJson(const QByteArray &json, const QString &sourceName,
                                               QString *error);
    QByteArray toJson() const;
    // Writes the whole store to path through a temporary file and a rename (QSaveFile), so
    // a reader sees the old file or the new one, never a part; mode 0600. Creates the
    // directory with mode 0700 if it doesn't exist (its parents with the default mode).
    bool save(const QString &path, QString *error) const;
    // Creates dir with mode 0700 if it doesn't exist (its parents with the default mode).
    static bool makeDirectory(const QString &dir, QString *error);

    // Makes a key for user: a new id, 32 random bytes of secret, the hash of the key text.
    // Returns the key text "drv_<id>_<secret>" (empty with error if hashing fails); the
    // caller shows it once and wipes it. expires invalid: never.
    QByteArray create(const QString &user, const QDateTime &expires, const QString &label,
                      const QDateTime &now, QString *error);

    enum class RevokeResult {
        Revoked,
        AlreadyRevoked,
        Unknown,
    };
    RevokeResult revoke(const QString &id, const QDateTime &now);
    // Revokes every key of user that isn't revoked yet; returns how many.
    int revokeUser(const QString &user, const QDateTime &now);

    // The key called id, or nullptr; valid until the store changes.
    const ApiKey *find(const QString &id) const;
    const QList<ApiKey> &keys() const { return m_keys; }
    // For tests and tools: adds key as it is (its id must be new).
    bool add(const ApiKey &key);

    // The id of a key text "drv_<id>_<secret>", or nullopt if key has not that form. Reads
    // only the public part; never logs or keeps the key.
    static std::optional<QString> idOf(const QByteArray &key);
    // Whether id has the form of a key id (12 lowercase hex digits).
    static bool isValidId(const QString &id);

private:
    QList<ApiKey> m_keys;
};

} // namespace drover::auth
