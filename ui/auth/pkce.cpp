#include "pkce.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace drover::ui {

Pkce Pkce::generate()
{
    QByteArray random(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    return Pkce(random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Pkce::Pkce(const QByteArray &verifier)
    : m_verifier(verifier)
    , m_challenge(challengeFor(verifier))
{}

QByteArray Pkce::challengeFor(const QByteArray &verifier)
{
    return QCryptographicHash::hash(verifier, QCryptographicHash::Sha256)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace drover::ui
