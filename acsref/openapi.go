package acsref

// openAPI is the OpenAPI 3 description of the NBI, served at /openapi.json.
const openAPI = `{
 "openapi": "3.0.3",
 "info": {
  "title": "dmforge reference ACS NBI",
  "version": "1.0",
  "description": "Northbound REST/JSON interface of dmforge acs. Task bodies use GenieACS's NBI shapes. Every task is checked against the BBF data model bound to the device before it is queued; a refused task gets 400 with the path and the rule it breaks. When a token is configured every request but GET /openapi.json needs Authorization: Bearer <token>."
 },
 "components": {
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer"
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "properties": {
     "error": {
      "type": "string"
     },
     "path": {
      "type": "string"
     },
     "rule": {
      "type": "string",
      "description": "unknown-path, not-parameter, not-object, read-only, type-mismatch, value-<range|size|enumeration|pattern|type|list>, not-table, table-read-only, instance, notification, argument, unknown-task, file, unbound-model, not-found, conflict, auth"
     }
    },
    "required": [
     "error",
     "rule"
    ]
   },
   "Device": {
    "type": "object",
    "properties": {
     "id": {
      "type": "string"
     },
     "oui": {
      "type": "string"
     },
     "productClass": {
      "type": "string"
     },
     "serialNumber": {
      "type": "string"
     },
     "manufacturer": {
      "type": "string"
     },
     "root": {
      "type": "string"
     },
     "model": {
      "type": "string"
     },
     "dataModelVersion": {
      "type": "string"
     },
     "softwareVersion": {
      "type": "string"
     },
     "connectionRequestURL": {
      "type": "string"
     },
     "remoteAddr": {
      "type": "string"
     },
     "firstSeen": {
      "type": "string"
     },
     "lastInform": {
      "type": "string"
     },
     "lastBoot": {
      "type": "string"
     },
     "discovered": {
      "type": "boolean"
     },
     "tags": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    }
   },
   "Parameter": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "value": {
      "type": "string"
     },
     "type": {
      "type": "string",
      "description": "xsd type as reported"
     },
     "writable": {
      "type": "boolean",
      "description": "as reported by GetParameterNames"
     },
     "object": {
      "type": "boolean"
     },
     "access": {
      "type": "string",
      "description": "the data model's access"
     },
     "modelType": {
      "type": "string",
      "description": "the data model's wire type"
     },
     "model": {
      "type": "string"
     },
     "updated": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "TaskSpec": {
    "type": "object",
    "required": [
     "name"
    ],
    "properties": {
     "name": {
      "type": "string",
      "enum": [
       "getParameterValues",
       "setParameterValues",
       "getParameterNames",
       "getParameterAttributes",
       "setParameterAttributes",
       "addObject",
       "deleteObject",
       "reboot",
       "factoryReset",
       "download",
       "upload",
       "scheduleInform",
       "getRPCMethods",
       "scheduleDownload",
       "cancelTransfer",
       "getAllQueuedTransfers",
       "changeDUState",
       "refreshObject"
      ]
     },
     "parameterNames": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "parameterValues": {
      "type": "array",
      "items": {
       "type": "array",
       "minItems": 2,
       "maxItems": 3,
       "items": {}
      },
      "description": "[path, value, xsd type (optional)]"
     },
     "parameterPath": {
      "type": "string"
     },
     "nextLevel": {
      "type": "boolean"
     },
     "parameterAttributes": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "name": {
         "type": "string"
        },
        "notification": {
         "type": "integer",
         "minimum": 0,
         "maximum": 2
        },
        "accessList": {
         "type": "array",
         "items": {
          "type": "string"
         }
        },
        "notificationChange": {
         "type": "boolean"
        },
        "accessListChange": {
         "type": "boolean"
        }
       }
      }
     },
     "objectName": {
      "type": "string"
     },
     "parameterKey": {
      "type": "string",
      "maxLength": 32
     },
     "file": {
      "type": "string",
      "description": "name of a file served by the ACS (PUT /files/{name})"
     },
     "fileName": {
      "type": "string",
      "description": "alias of file"
     },
     "fileType": {
      "type": "string"
     },
     "url": {
      "type": "string"
     },
     "username": {
      "type": "string"
     },
     "password": {
      "type": "string"
     },
     "targetFileName": {
      "type": "string"
     },
     "fileSize": {
      "type": "integer"
     },
     "delaySeconds": {
      "type": "integer"
     },
     "timeWindows": {
      "type": "array",
      "description": "scheduleDownload: one or two windows, seconds from acceptance",
      "minItems": 1,
      "maxItems": 2,
      "items": {
       "type": "object",
       "required": ["start", "end", "mode"],
       "properties": {
        "start": {"type": "integer"},
        "end": {"type": "integer"},
        "mode": {"type": "string", "enum": ["1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"]},
        "userMessage": {"type": "string", "maxLength": 256},
        "maxRetries": {"type": "integer", "minimum": -1}
       }
      }
     },
     "task": {
      "type": "integer",
      "description": "cancelTransfer: the id of the download, upload or scheduleDownload task to cancel"
     },
     "commandKey": {
      "type": "string",
      "maxLength": 32,
      "description": "cancelTransfer: the CommandKey of the transfer to cancel (instead of task)"
     },
     "expectFault": {
      "type": "array",
      "items": {"type": "integer"},
      "description": "a negative test: the model check is skipped and the CPE must refuse the task with one of these fault codes (setParameterValues: the parameter's code); the outcome is the task's result, a mismatch a conformance finding"
     },
     "probe": {"type": "string", "description": "the probe check the task belongs to"},
     "probeRun": {"type": "string", "description": "the probe run that queued the task"},
     "operations": {
      "type": "array",
      "description": "changeDUState operations",
      "minItems": 1,
      "items": {
       "type": "object",
       "required": ["type"],
       "properties": {
        "type": {"type": "string", "enum": ["install", "update", "uninstall"]},
        "file": {"type": "string", "description": "a file the ACS serves (PUT /files/{name}), instead of url"},
        "url": {"type": "string", "maxLength": 1024},
        "uuid": {"type": "string"},
        "version": {"type": "string", "maxLength": 32},
        "username": {"type": "string"},
        "password": {"type": "string"},
        "executionEnvRef": {"type": "string"}
       }
      }
     }
    }
   },
   "Task": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "device": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "spec": {
      "$ref": "#/components/schemas/TaskSpec"
     },
     "status": {
      "type": "string",
      "enum": [
       "pending",
       "waiting",
       "done",
       "fault",
       "cancelled"
      ]
     },
     "commandKey": {
      "type": "string"
     },
     "internal": {
      "type": "boolean"
     },
     "result": {},
     "faultCode": {
      "type": "integer"
     },
     "faultString": {
      "type": "string"
     },
     "created": {
      "type": "string",
      "format": "date-time"
     },
     "updated": {
      "type": "string",
      "format": "date-time"
     },
     "connectionRequest": {
      "type": "string",
      "description": "POST only: ok, sent (UDP) for a device behind NAT (a UDP connection request has no answer), or why the connection request failed"
     }
    }
   },
   "Fault": {
    "type": "object",
    "properties": {
     "id": {
      "type": "integer"
     },
     "device": {
      "type": "string"
     },
     "task": {
      "type": "integer"
     },
     "method": {
      "type": "string"
     },
     "code": {
      "type": "integer"
     },
     "string": {
      "type": "string"
     },
     "detail": {},
     "time": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "Finding": {
    "type": "object",
    "properties": {
     "path": {
      "type": "string"
     },
     "rule": {
      "type": "string",
      "description": "non-standard, access-mismatch, missing, reported-type, reported-value, not-parameter, unbound-model"
     },
     "message": {
      "type": "string"
     },
     "value": {
      "type": "string"
     },
     "model": {
      "type": "string"
     },
     "firstSeen": {
      "type": "string",
      "format": "date-time"
     },
     "lastSeen": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "File": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "fileType": {
      "type": "string"
     },
     "oui": {
      "type": "string"
     },
     "productClass": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "size": {
      "type": "integer"
     },
     "created": {
      "type": "string",
      "format": "date-time"
     }
    }
   }
  }
 },
 "security": [
  {
   "bearer": []
  }
 ],
 "paths": {
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "responses": {
     "200": {
      "description": "OK"
     }
    },
    "security": []
   }
  },
  "/devices": {
   "get": {
    "summary": "List and filter devices",
    "responses": {
     "200": {
      "description": "devices",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Device"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "query",
      "in": "query",
      "required": false,
      "description": "GenieACS MongoDB-style filter (JSON): fields _id, _tags, _lastInform, _registered, DeviceID.*, parameter paths; operators $eq $ne $gt $gte $lt $lte $in $nin $exists $regex $options $not $and $or $nor; anything else is refused (400)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "projection",
      "in": "query",
      "required": false,
      "description": "comma-separated fields (_id, _tags, _lastInform, _registered, _deviceId, DeviceID.*, parameter paths): answers GenieACS-shaped documents with only these",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "model",
      "in": "query",
      "required": false,
      "description": "model name prefix, e.g. Device:2",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "productClass",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "oui",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "lastInformSince",
      "in": "query",
      "required": false,
      "description": "RFC 3339",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "lastInformBefore",
      "in": "query",
      "required": false,
      "description": "RFC 3339",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "integer"
      }
     }
    ]
   }
  },
  "/devices/{id}": {
   "get": {
    "summary": "One device",
    "responses": {
     "200": {
      "description": "device",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Device"
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   },
   "delete": {
    "summary": "Forget a device",
    "responses": {
     "204": {
      "description": "deleted"
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/devices/{id}/parameters": {
   "get": {
    "summary": "Stored parameters with value, reported type and the model's type and access",
    "responses": {
     "200": {
      "description": "parameters",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Parameter"
         }
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "prefix",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/devices/{id}/tasks": {
   "post": {
    "summary": "Queue a task (checked against the device's data model)",
    "responses": {
     "202": {
      "description": "queued",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Task"
        }
       }
      }
     },
     "400": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "409": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "connection_request",
      "in": "query",
      "required": false,
      "description": "present: send a connection request after queuing",
      "schema": {
       "type": "string",
       "allowEmptyValue": true
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/TaskSpec"
       }
      }
     }
    }
   },
   "get": {
    "summary": "The device's tasks",
    "responses": {
     "200": {
      "description": "tasks",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Task"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "status",
      "in": "query",
      "required": false,
      "description": "comma-separated states",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/devices/{id}/probe": {
   "post": {
    "summary": "Queue a conformance probe: negative tests picked from the device's discovered parameters (unknown names, read-only writes, wrong types, out-of-range, non-enumerated and too-long values, denied notification, tables), each write followed by a restore",
    "parameters": [{"name": "connection_request", "in": "query", "required": false, "schema": {"type": "string"}, "description": "present: send a connection request"}],
    "responses": {
     "202": {"description": "the probe's run id and tasks", "content": {"application/json": {"schema": {"type": "object", "properties": {
      "run": {"type": "string"}, "tasks": {"type": "array", "items": {"type": "integer"}}, "connectionRequest": {"type": "string"}}}}}},
     "404": {"description": "no such device", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
     "409": {"description": "the device is not bound or not discovered", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
   },
   "get": {
    "summary": "The latest probe's report: each check's expected and received fault, and whether it conforms",
    "responses": {
     "200": {"description": "report", "content": {"application/json": {"schema": {"type": "object", "properties": {
      "run": {"type": "string"},
      "checks": {"type": "array", "items": {"type": "object", "properties": {
       "task": {"type": "integer"}, "probe": {"type": "string"}, "method": {"type": "string"}, "path": {"type": "string"}, "status": {"type": "string"},
       "result": {"type": "object", "properties": {"probe": {"type": "string"}, "expectFault": {"type": "array", "items": {"type": "integer"}},
        "fault": {"type": "integer"}, "faultString": {"type": "string"}, "conforms": {"type": "boolean"}}}}}},
      "conforming": {"type": "integer"}, "nonConforming": {"type": "integer"}, "pending": {"type": "integer"}}}}}},
     "404": {"description": "no such device", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
   },
   "parameters": [{"name": "id", "in": "path", "required": true, "description": "device id, URL-escaped", "schema": {"type": "string"}}]
  },
  "/devices/{id}/conformance": {
   "get": {
    "summary": "Conformance findings: where the device breaks its data model",
    "responses": {
     "200": {
      "description": "findings",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "device": {
           "type": "string"
          },
          "model": {
           "type": "string"
          },
          "discovered": {
           "type": "boolean"
          },
          "findings": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Finding"
           }
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/devices/{id}/discovery": {
   "get": {
    "summary": "The device's discovery strategy: its override, its product class's, what it taught, the effective one",
    "responses": {
     "200": {
      "description": "discovery",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   },
   "put": {
    "summary": "Set the device's discovery override: skipRootGPN, partialGPV, batchSize, booleans (\"true\" or \"1\"), dateTimeMilliseconds, disabled",
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "type": "object"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "set"
     },
     "400": {
      "description": "a setting outside its domain"
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   },
   "delete": {
    "summary": "Forget the device's override and what it taught",
    "responses": {
     "204": {
      "description": "forgotten"
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/devices/{id}/faults": {
   "get": {
    "summary": "The device's faults, newest first",
    "responses": {
     "200": {
      "description": "faults",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Fault"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "integer"
      }
     }
    ]
   }
  },
  "/devices/{id}/tags/{tag}": {
   "post": {
    "summary": "Tag a device",
    "responses": {
     "204": {
      "description": "tagged"
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   },
   "delete": {
    "summary": "Untag a device",
    "responses": {
     "204": {
      "description": "untagged"
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "description": "device id, OUI-ProductClass-SerialNumber (GenieACS form), URL-escaped",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "tag",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/tasks": {
   "get": {
    "summary": "List tasks",
    "responses": {
     "200": {
      "description": "tasks",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Task"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "device",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "status",
      "in": "query",
      "required": false,
      "description": "comma-separated states",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/tasks/{tid}": {
   "get": {
    "summary": "One task",
    "responses": {
     "200": {
      "description": "task",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Task"
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "tid",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "integer"
      }
     }
    ]
   },
   "delete": {
    "summary": "Cancel a pending or waiting task",
    "responses": {
     "200": {
      "description": "cancelled",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Task"
        }
       }
      }
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "409": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "tid",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "integer"
      }
     }
    ]
   }
  },
  "/faults": {
   "get": {
    "summary": "Faults of all devices, newest first",
    "responses": {
     "200": {
      "description": "faults",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Fault"
         }
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "device",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "",
      "schema": {
       "type": "integer"
      }
     }
    ]
   }
  },
  "/files": {
   "get": {
    "summary": "Files served for Download",
    "responses": {
     "200": {
      "description": "files",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/File"
         }
        }
       }
      }
     }
    }
   }
  },
  "/files/{name}": {
   "put": {
    "summary": "Store a file; metadata in the fileType, oui, productClass and version headers (as GenieACS)",
    "responses": {
     "201": {
      "description": "stored",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/File"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/octet-stream": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    }
   },
   "get": {
    "summary": "The file's content (CPEs fetch it from the CWMP endpoint at /files/{name})",
    "responses": {
     "200": {
      "description": "content"
     },
     "404": {
      "description": "no such file"
     }
    },
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   },
   "delete": {
    "summary": "Delete a file",
    "responses": {
     "204": {
      "description": "deleted"
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "name",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  },
  "/credentials/{user}": {
   "put": {
    "summary": "Set a per-device CPE credential (used when per-device authentication is on)",
    "responses": {
     "204": {
      "description": "stored"
     },
     "400": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "user",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "password"
        ],
        "properties": {
         "password": {
          "type": "string"
         },
         "device": {
          "type": "string",
          "description": "device id the credential is bound to"
         }
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete a per-device CPE credential",
    "responses": {
     "204": {
      "description": "deleted"
     },
     "404": {
      "description": "error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "name": "user",
      "in": "path",
      "required": true,
      "description": "",
      "schema": {
       "type": "string"
      }
     }
    ]
   }
  }
 }
}
`
