// An issuer's published signing keys (a JWKS, RFC 7517 section 5), as fetched from its
// jwks_uri. Keys that can't sign (encryption keys, unknown types) are left out.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace drover::auth {

class JsonWebKeySet
{
public:
    // nullopt with *error when `json` is not a JWKS ({"keys": [...]}).
    static std::optional<JsonWebKeySet> parse(const QByteArray &json, QString *error);

    bool isEmpty() const { return m_keys.isEmpty(); }
    int size() const { return int(m_keys.size()); }
    // The key with this "kid", or nullopt.
    std::optional<QJsonObject> find(const QString &kid) const;
    // Keys that have no "kid" or that a token without "kid" may mean: all of them.
    const QList<QJsonObject> &keys() const { return m_keys; }

private:
    QList<QJsonObject> m_keys;
};

} // namespace drover::auth
