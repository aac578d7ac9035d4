// Who a client is, once authenticated.
#pragma once

#include <QString>

namespace drover::auth {

struct Identity {
    bool anonymous = true;
    QString user; // empty for anonymous

    static Identity anonymousUser() { return {}; }
    static Identity named(const QString &user) { return {false, user}; }
    // For logs: the user name, or "anonymous". Never a credential.
    QString displayName() const { return anonymous ? QStringLiteral("anonymous") : user; }
};

} // namespace drover::auth
