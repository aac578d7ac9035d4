// One API key as the state directory keeps it: who it belongs to and the Argon2id hash of
// the key text, never the key itself (droverd shows that once, when it creates the key).
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace drover::auth {

struct ApiKey {
    enum class State {
        Active,
        Expired,
        Revoked,
    };

    QString id;        // the public part of the key text (drv_<id>_<secret>): names the key
    QString user;      // whose key it is; CONNECT must give this user name with it
    QByteArray hash;   // Argon2id of the whole key text (PasswordHasher::hashSecret)
    QDateTime created; // UTC
    QDateTime expires; // UTC; invalid: never
    QDateTime revoked; // UTC; invalid: not revoked
    QString label;     // the operator's note ("ci runner"); may be empty

    // Revoked wins over expired: a revoked key stays revoked whatever its expiry says.
    State state(const QDateTime &now) const
    {
        if (revoked.isValid())
            return State::Revoked;
        if (expires.isValid() && now >= expires)
            return State::Expired;
        return State::Active;
    }
    static QString stateName(State state)
    {
        switch (state) {
        case State::Active:
            return QStringLiteral("active");
        case State::Expired:
            return QStringLiteral("expired");
        case State::Revoked:
            break;
        }
        return QStringLiteral("revoked");
    }

    bool operator==(const ApiKey &o) const
    {
        return id == o.id && user == o.user && hash == o.hash && created == o.created &&
               expires == o.expires && revoked == o.revoked && label == o.label;
    }
};

} // namespace drover::auth
