#include "logsetup.h"

#include <QLoggingCategory>

namespace drover {

bool applyLogLevel(const QString &level)
{
    QString rules;
    if (level == QLatin1String("debug"))
        // Per-packet traces (*.verbose) stay off unless asked for by QT_LOGGING_RULES.
        rules = QStringLiteral("*.debug=false\ndrover.*.debug=true\n*.verbose.debug=false");
    else if (level == QLatin1String("info"))
        rules = QStringLiteral("*.debug=false");
    else if (level == QLatin1String("warning"))
        rules = QStringLiteral("*.debug=false\n*.info=false");
    else if (level == QLatin1String("error"))
        rules = QStringLiteral("*.debug=false\n*.info=false\n*.warning=false");
    else
        return false;
    QLoggingCategory::setFilterRules(rules);
    return true;
}

void installLogFormat()
{
    qSetMessagePattern(
        QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} "
                       "%{if-debug}debug%{endif}%{if-info}info%{endif}%{if-warning}warning%{endif}"
                       "%{if-critical}error%{endif}%{if-fatal}fatal%{endif} %{category}: %{message}"));
}

} // namespace drover
