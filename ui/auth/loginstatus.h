// One line for the status bar or the login dialog: who is logged in and until when, or why
// a login is needed ("Logged in as alice until 14:32", "Login required: the issuer rejected
// the refresh token (invalid_grant); log in again").
#pragma once

#include <QDateTime>
#include <QString>

namespace drover::ui {

class TokenSession;

class LoginStatus
{
public:
    static QString text(const TokenSession &session, const QDateTime &now = QDateTime::currentDateTime());
    // "14:32" on now's day, else "2026-11-28 14:32" (local time).
    static QString formatTime(const QDateTime &when, const QDateTime &now);
};

} // namespace drover::ui
