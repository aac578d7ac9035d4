// The gateway's command-line options, shared by droverd and the console (drover), so that
// --config, --mqtt, --device-mqtt, --device-http, --ws, --demo... mean the same in both: the
// configuration file with the command line's overrides on top.
#pragma once

#include "config.h"

#include <QCommandLineOption>
#include <optional>

class QCommandLineParser;

namespace drover::config {

class CommandLineOptions
{
public:
    CommandLineOptions();

    // Adds the options to `parser` (before it parses).
    void addTo(QCommandLineParser &parser) const;

    // The configuration: the --config file (if given) with the options on top. nullopt with
    // `error` set ("--mqtt x: ..." or the file's line:column message) when they are wrong.
    // Called again for a reload (SIGHUP), so it never exits.
    std::optional<Config> load(const QCommandLineParser &parser, QString *error) const;

    bool hasConfigFile(const QCommandLineParser &parser) const;
    QString configFile(const QCommandLineParser &parser) const;

    const QCommandLineOption &demo() const { return m_demo; }

private:
    QCommandLineOption m_config;
    QCommandLineOption m_mqtt;
    QCommandLineOption m_deviceMqtt;
    QCommandLineOption m_deviceHttp;
    QCommandLineOption m_ws;
    QCommandLineOption m_deviceWs;
    QCommandLineOption m_mqtts;
    QCommandLineOption m_deviceMqtts;
    QCommandLineOption m_wss;
    QCommandLineOption m_deviceWss;
    QCommandLineOption m_tlsCert;
    QCommandLineOption m_tlsKey;
    QCommandLineOption m_demo;
    QCommandLineOption m_demoRate;
    QCommandLineOption m_demoDevices;
    QCommandLineOption m_logLevel;
    QCommandLineOption m_stateDir;
};

} // namespace drover::config
