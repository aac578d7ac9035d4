#include "loginstatus.h"

#include "tokensession.h"

namespace drover::ui {

QString LoginStatus::formatTime(const QDateTime &when, const QDateTime &now)
{
    const QDateTime local = when.toLocalTime();
    if (local.date() == now.toLocalTime().date())
        return local.toString(QStringLiteral("HH:mm"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString LoginStatus::text(const TokenSession &session, const QDateTime &now)
{
    const ConnectionProfile &profile = session.profile();
    QString who = session.identity().displayName();
    switch (profile.authKind) {
    case ConnectionProfile::AuthKind::Anonymous:
        return QStringLiteral("Anonymous: no login needed");
    case ConnectionProfile::AuthKind::ApiKey:
    case ConnectionProfile::AuthKind::Password: {
        const bool apiKey = profile.authKind == ConnectionProfile::AuthKind::ApiKey;
        if (session.state() == TokenSession::State::LoggedIn)
            return QStringLiteral("Logged in as %1 with %2")
                .arg(profile.username, apiKey ? QStringLiteral("an API key") : QStringLiteral("a password"));
        return QStringLiteral("Not logged in: enter the %1 of %2")
            .arg(apiKey ? QStringLiteral("API key") : QStringLiteral("password"), profile.username);
    }
    case ConnectionProfile::AuthKind::OAuth2:
        break;
    }
    if (who.isEmpty())
        who = QStringLiteral("an unknown user");
    switch (session.state()) {
    case TokenSession::State::LoggedOut:
        return QStringLiteral("Not logged in");
    case TokenSession::State::LoggingIn:
        return QStringLiteral("Logging in: continue in the browser");
    case TokenSession::State::Refreshing:
        return QStringLiteral("Logged in as %1; renewing the access token").arg(who);
    case TokenSession::State::LoginRequired:
        return QStringLiteral("Login required: ") + session.lastError();
    case TokenSession::State::LoggedIn:
        break;
    }
    QString line;
    if (session.sessionExpiry().isValid())
        line = QStringLiteral("Logged in as %1 until %2").arg(who, formatTime(session.sessionExpiry(), now));
    else if (session.accessTokenExpiry().isValid())
        line = QStringLiteral("Logged in as %1; access token valid until %2 (renewed before each connect)")
                   .arg(who, formatTime(session.accessTokenExpiry(), now));
    else
        line =
            QStringLiteral("Logged in as %1 (saved login: a fresh access token comes with the next connect)")
                .arg(who);
    if (!session.lastError().isEmpty())
        line += QStringLiteral(". ") + session.lastError();
    return line;
}

} // namespace drover::ui
