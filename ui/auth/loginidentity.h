// Who is logged in, for display: from the ID token's claims (its payload decoded without a
// signature check, which is fine for showing a name: the token came straight from the token
// endpoint over the connection the console opened), or the user name of an API key login.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace drover::ui {

struct LoginIdentity {
    QString subject;  // "sub"
    QString username; // "preferred_username", or the API key's user
    QString name;     // "name"
    QString email;    // "email"

    bool isEmpty() const
    {
        return subject.isEmpty() && username.isEmpty() && name.isEmpty() && email.isEmpty();
    }
    // The best name to show: user name, else name, else e-mail, else subject.
    QString displayName() const;

    static LoginIdentity fromIdToken(const QByteArray &idToken);
    // The claims of a JWT (its payload), or an empty object when it isn't one.
    static QJsonObject jwtClaims(const QByteArray &jwt);

    QJsonObject toJson() const;
    static LoginIdentity fromJson(const QJsonObject &object);

    bool operator==(const LoginIdentity &o) const
    {
        return subject == o.subject && username == o.username && name == o.name && email == o.email;
    }
};

} // namespace drover::ui
