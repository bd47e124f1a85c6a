#ifndef GATEWAYD_CMOSQUITTO_SHIM_H
#define GATEWAYD_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
