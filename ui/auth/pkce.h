// Proof Key for Code Exchange (RFC 7636), S256 only: a fresh random verifier per login; the
// authorization request carries its SHA-256 (the challenge), the token request the verifier,
// so a code intercepted on its way to the loopback redirect is useless to anyone else.
// Qt 6.4's QOAuth2AuthorizationCodeFlow has no PKCE of its own.
#pragma once

#include <QByteArray>
#include <QString>

namespace drover::ui {

class Pkce
{
public:
    // 32 random bytes from the system's CSPRNG: a 43-character verifier (RFC 7636 4.1).
    static Pkce generate();
    // For a known verifier (tests: RFC 7636 appendix B).
    explicit Pkce(const QByteArray &verifier);

    QByteArray verifier() const { return m_verifier; }
    QByteArray challenge() const { return m_challenge; }
    static QString method() { return QStringLiteral("S256"); }

    // BASE64URL(SHA256(ASCII(verifier))), without padding.
    static QByteArray challengeFor(const QByteArray &verifier);

private:
    QByteArray m_verifier;
    QByteArray m_challenge;
};

} // namespace drover::ui
