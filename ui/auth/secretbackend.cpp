#include "secretbackend.h"

#include <QMetaObject>

namespace drover::ui {

SecretBackend::SecretBackend(QObject *parent)
    : QObject(parent)
{}

SecretBackend::~SecretBackend() = default;

void SecretBackend::finishLater(Done done, Result result)
{
    if (!done)
        return;
    QMetaObject::invokeMethod(
        this, [done = std::move(done), result = std::move(result)]() { done(result); }, Qt::QueuedConnection);
}

} // namespace drover::ui
