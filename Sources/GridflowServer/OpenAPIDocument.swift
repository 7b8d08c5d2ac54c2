// The OpenAPI 3.1 document of the daemon's API; docs/openapi.json is a copy, kept equal by
// OpenAPITests, which also checks it names every route of `Endpoint` and no other.
public enum OpenAPIDocument {
    public static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Gridflow engine daemon",
            "version": "1",
            "description": "The HTTP API of `gridflow serve`: cases, events, incidents, a unit's deployments, appraisals and bulletins, for callers with a bearer token from `gridflow token issue`. Every error is RFC 9457 problem+json. See docs/daemon.md."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080"
            }
          ],
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "health",
                "security": [],
                "summary": "The process runs.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Status"
                        }
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/readyz": {
              "get": {
                "operationId": "ready",
                "security": [],
                "summary": "The store answers.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Status"
                        }
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "security": [],
                "summary": "This document.",
                "responses": {
                  "200": {
                    "description": "The OpenAPI document",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "security": [],
                "summary": "Prometheus metrics: requests by route and status, steps by outcome, commit latency, timers fired, effects, incidents, open cases and outbox depth by unit.",
                "responses": {
                  "200": {
                    "description": "Prometheus text format",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/cases": {
              "post": {
                "operationId": "openCase",
                "summary": "Open a case as the caller.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/OpenCase"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The case as the caller may see it",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Case"
                        }
                      }
                    },
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/cases": {
              "get": {
                "operationId": "listCases",
                "summary": "The caller's unit's cases, newest first, a page at a time.",
                "parameters": [
                  {
                    "name": "unit",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "workflow",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "state",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 500,
                      "default": 50
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "pattern": "^[1-9][0-9]{0,18}$"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CasePage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/cases/{id}": {
              "get": {
                "operationId": "showCase",
                "summary": "A case with its deployment, history and incidents, as the caller may read them.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CaseID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Case"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/cases/{id}/events/{event}": {
              "post": {
                "operationId": "act",
                "summary": "Fire an event on a case as the caller.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/CaseID"
                  },
                  {
                    "name": "event",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  },
                  {
                    "name": "If-Match",
                    "in": "header",
                    "schema": {
                      "type": "string",
                      "pattern": "^\"?[0-9]{1,18}\"?$"
                    },
                    "description": "Take the step only on this version of the case."
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Event"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Case"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/tasks": {
              "get": {
                "operationId": "listTasks",
                "summary": "The caller's inbox: open tasks their roles, scope and person fields give them, overdue first.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Tasks"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/notifications": {
              "get": {
                "operationId": "listNotifications",
                "summary": "The caller's notifications, newest first, a page at a time: what notify effects left for the roles they hold where their scope reaches the case.",
                "parameters": [
                  {
                    "name": "unread",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true",
                        "false"
                      ]
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 500,
                      "default": 50
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "pattern": "^[1-9][0-9]{0,17}$"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Notifications"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/notifications/{id}/read": {
              "post": {
                "operationId": "readNotification",
                "summary": "Mark one of the caller's notifications read (the first reading's time stands).",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Notification"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/incidents": {
              "get": {
                "operationId": "listIncidents",
                "summary": "The open incidents of the caller's unit, as the caller may read them.",
                "parameters": [
                  {
                    "name": "case",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Incidents"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/incidents/{id}/retry": {
              "post": {
                "operationId": "retryIncident",
                "summary": "(administrators) Apply an incident's event again.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Case"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/deployments": {
              "get": {
                "operationId": "listDeployments",
                "summary": "(administrators) The unit's deployments.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Deployments"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "operationId": "deploy",
                "summary": "(administrators) Validate the unit's definition files and deploy them; the deployment becomes active.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Deploy"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Deployed",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DeployResult"
                        }
                      }
                    }
                  },
                  "200": {
                    "description": "Deployed already: active (again)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DeployResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/rollback": {
              "post": {
                "operationId": "rollback",
                "summary": "(administrators) Make an earlier deployment the one new cases open on.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Rollback"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RollbackResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/migrations": {
              "post": {
                "operationId": "migrate",
                "summary": "(administrators) Move open cases to a deployment, checked, all or none.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Migration"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MigrationResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/appraisals": {
              "post": {
                "operationId": "appraise",
                "summary": "(administrators in the appraisal's audience) Score the unit's people for a period, as `gridflow appraise --json`.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "$ref": "#/components/parameters/IdempotencyKey"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Appraise"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The run's results",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AppraisalResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/reports/{report}": {
              "get": {
                "operationId": "report",
                "summary": "A bulletin's figures for a period as the caller may see them, as `gridflow report --format json`.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "name": "report",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "period",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$"
                    },
                    "description": "2024, 2024-H1, 2024-Q3 or 2024-11."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Bulletin"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/files/{space}": {
              "get": {
                "operationId": "listFiles",
                "summary": "The files of a shared file space (of one folder with `folder`), by folder then newest first, for whoever the space lets view.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "name": "space",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A space, as a FileSpace of the unit names it under `spaces:`."
                  },
                  {
                    "name": "folder",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/FileList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/files/{space}/{folder}": {
              "post": {
                "operationId": "uploadFile",
                "summary": "Upload a file into a folder: the body is the file (not empty), `Content-Type` what it is, checked against its bytes (magic numbers: 415 when they are another type), `name` its name; at most the daemon's `--max-file-size` (20 MB by default).",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "name": "space",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A space, as a FileSpace of the unit names it under `spaces:`."
                  },
                  {
                    "name": "folder",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "name",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 255,
                      "pattern": "^(?:[^/\\\\\\u0000-\\u001F\\u007F-\\u009F.][^/\\\\\\u0000-\\u001F\\u007F-\\u009F]*|\\.[^/\\\\\\u0000-\\u001F\\u007F-\\u009F.][^/\\\\\\u0000-\\u001F\\u007F-\\u009F]*|\\.\\.[^/\\\\\\u0000-\\u001F\\u007F-\\u009F]+)$"
                    },
                    "description": "The file's name: no folder (`/`, `\\`), no control character, not `.` or `..`."
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/pdf": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "image/png": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "image/jpeg": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    },
                    "text/plain": {
                      "schema": {
                        "type": "string",
                        "minLength": 1,
                        "pattern": "^[^\\u0000-\\u0008\\u000B\\u000E-\\u001F\\u007F]+$"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Uploaded",
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/File"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/units/{unit}/file-history/{space}": {
              "get": {
                "operationId": "fileHistory",
                "summary": "The audit trail of a space: each upload, move and delete with who and when, newest first.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Unit"
                  },
                  {
                    "name": "space",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A space, as a FileSpace of the unit names it under `spaces:`."
                  },
                  {
                    "name": "file",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "pattern": "^[1-9][0-9]{0,17}$"
                    },
                    "description": "Only this file's."
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 500,
                      "default": 100
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/FileHistory"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/files/{id}": {
              "get": {
                "operationId": "downloadFile",
                "summary": "A file's content as uploaded, its checksum verified; `ETag` is its SHA-256, `If-None-Match` with it answers 304.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The file's id."
                  },
                  {
                    "name": "If-None-Match",
                    "in": "header",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The file",
                    "headers": {
                      "ETag": {
                        "schema": {
                          "type": "string"
                        }
                      },
                      "Content-Disposition": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "content": {
                      "application/pdf": {},
                      "image/png": {},
                      "image/jpeg": {},
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                      "application/vnd.openxmlformats-officedocument.presentationml.presentation": {},
                      "text/plain": {}
                    }
                  },
                  "304": {
                    "description": "Not modified"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "delete": {
                "operationId": "deleteFile",
                "summary": "Delete a file (as the space lets: its owner, in the telecom unit); its content goes, its record stays, marked with who and when.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The file's id."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Deleted",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/File"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/v1/files/{id}/move": {
              "post": {
                "operationId": "moveFile",
                "summary": "Move a file to another folder of its space (as the space lets).",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The file's id."
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "folder"
                        ],
                        "additionalProperties": false,
                        "properties": {
                          "folder": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Moved",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/File"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `gridflow token issue`."
              }
            },
            "parameters": {
              "Unit": {
                "name": "unit",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              "CaseID": {
                "name": "id",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {
                  "type": "string",
                  "pattern": "^[!-~]{1,255}$"
                },
                "description": "A retry with the same key and request gets the first answer instead of acting twice."
              }
            },
            "responses": {
              "Problem": {
                "description": "RFC 9457 problem",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "$ref": "#/components/schemas/Problem"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "required": [
                  "type",
                  "title",
                  "status",
                  "detail"
                ],
                "properties": {
                  "type": {
                    "type": "string",
                    "format": "uri"
                  },
                  "title": {
                    "type": "string"
                  },
                  "status": {
                    "type": "integer"
                  },
                  "detail": {
                    "type": "string"
                  },
                  "field": {
                    "type": "string"
                  },
                  "reason": {
                    "type": "string"
                  },
                  "explanation": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "expression": {
                          "type": "string"
                        },
                        "value": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "cases": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/CaseMove"
                    }
                  },
                  "diagnostics": {
                    "type": "array"
                  },
                  "problems": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "Status": {
                "type": "object",
                "required": [
                  "status"
                ],
                "properties": {
                  "status": {
                    "type": "string"
                  }
                }
              },
              "OpenCase": {
                "type": "object",
                "required": [
                  "workflow"
                ],
                "additionalProperties": false,
                "properties": {
                  "workflow": {
                    "type": "string"
                  },
                  "fields": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "description": "Field values; a person as \"@ID\" or {\"id\": ID}."
                  }
                }
              },
              "Event": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "fields": {
                    "type": [
                      "object",
                      "null"
                    ]
                  }
                }
              },
              "Case": {
                "type": "object",
                "required": [
                  "id",
                  "unit",
                  "workflow",
                  "state",
                  "version",
                  "definition_version",
                  "actions",
                  "hidden",
                  "fields"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "unit": {
                    "type": "string"
                  },
                  "workflow": {
                    "type": "string"
                  },
                  "state": {
                    "type": "string"
                  },
                  "version": {
                    "type": "integer"
                  },
                  "definition_version": {
                    "type": "string"
                  },
                  "viewer": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "actions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "hidden": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "hidden_from_viewer": {
                    "type": "array",
                    "items": {
                      "type": "object"
                    }
                  },
                  "fields": {
                    "type": "object"
                  },
                  "problems": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "deployment": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "deployment_active": {
                    "type": [
                      "boolean",
                      "null"
                    ]
                  },
                  "history": {
                    "type": "array",
                    "items": {
                      "type": "object"
                    }
                  },
                  "incidents": {
                    "type": "array",
                    "items": {
                      "type": "object"
                    }
                  }
                }
              },
              "CasePage": {
                "type": "object",
                "required": [
                  "cases",
                  "next_cursor"
                ],
                "properties": {
                  "cases": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Case"
                    }
                  },
                  "next_cursor": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "Tasks": {
                "type": "object",
                "required": [
                  "person",
                  "tasks"
                ],
                "properties": {
                  "person": {
                    "type": "string"
                  },
                  "tasks": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "case_id",
                        "workflow",
                        "state",
                        "title",
                        "since",
                        "due",
                        "overdue"
                      ],
                      "properties": {
                        "case_id": {
                          "type": "string"
                        },
                        "workflow": {
                          "type": "string"
                        },
                        "state": {
                          "type": "string"
                        },
                        "title": {
                          "type": "string"
                        },
                        "role": {
                          "type": "string"
                        },
                        "person": {
                          "type": "string"
                        },
                        "since": {
                          "type": "string"
                        },
                        "due": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "overdue": {
                          "type": "boolean"
                        }
                      }
                    }
                  }
                }
              },
              "Notification": {
                "type": "object",
                "required": [
                  "id",
                  "case_id",
                  "workflow",
                  "role",
                  "message",
                  "at",
                  "read",
                  "read_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "case_id": {
                    "type": "string"
                  },
                  "workflow": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  },
                  "at": {
                    "type": "string"
                  },
                  "read": {
                    "type": "boolean"
                  },
                  "read_at": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "Notifications": {
                "type": "object",
                "required": [
                  "person",
                  "notifications",
                  "next_cursor"
                ],
                "properties": {
                  "person": {
                    "type": "string"
                  },
                  "notifications": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Notification"
                    }
                  },
                  "next_cursor": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "Incidents": {
                "type": "object",
                "required": [
                  "incidents"
                ],
                "properties": {
                  "incidents": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "integer"
                        },
                        "case_id": {
                          "type": "string"
                        },
                        "code": {
                          "type": "string"
                        },
                        "message": {
                          "type": "string"
                        },
                        "event": {
                          "type": "string"
                        },
                        "transition": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "actor": {
                          "type": "string"
                        },
                        "at": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "Deployments": {
                "type": "object",
                "required": [
                  "unit",
                  "deployments"
                ],
                "properties": {
                  "unit": {
                    "type": "string"
                  },
                  "deployments": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "sequence": {
                          "type": "integer"
                        },
                        "version": {
                          "type": "string"
                        },
                        "active": {
                          "type": "boolean"
                        },
                        "deployed_by": {
                          "type": "string"
                        },
                        "deployed_at": {
                          "type": "string"
                        },
                        "message": {
                          "type": [
                            "string",
                            "null"
                          ]
                        }
                      }
                    }
                  }
                }
              },
              "Deploy": {
                "type": "object",
                "required": [
                  "files"
                ],
                "additionalProperties": false,
                "properties": {
                  "files": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                      "type": "string"
                    },
                    "description": "The unit's definition files (with its base unit's) by path, Workflows/UNIT/FILE.yaml or Rules/UNIT/FILE.yaml."
                  },
                  "message": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 500
                  }
                }
              },
              "DeployResult": {
                "type": "object",
                "required": [
                  "unit",
                  "version",
                  "sequence",
                  "outcome",
                  "files"
                ],
                "properties": {
                  "unit": {
                    "type": "string"
                  },
                  "version": {
                    "type": "string"
                  },
                  "sequence": {
                    "type": "integer"
                  },
                  "outcome": {
                    "type": "string",
                    "enum": [
                      "deployed",
                      "unchanged",
                      "reactivated"
                    ]
                  },
                  "files": {
                    "type": "integer"
                  }
                }
              },
              "DeploymentReference": {
                "oneOf": [
                  {
                    "type": "integer",
                    "minimum": 1
                  },
                  {
                    "type": "string",
                    "minLength": 4
                  }
                ]
              },
              "Rollback": {
                "type": "object",
                "required": [
                  "to"
                ],
                "additionalProperties": false,
                "properties": {
                  "to": {
                    "$ref": "#/components/schemas/DeploymentReference"
                  }
                }
              },
              "RollbackResult": {
                "type": "object",
                "required": [
                  "unit",
                  "active",
                  "version"
                ],
                "properties": {
                  "unit": {
                    "type": "string"
                  },
                  "active": {
                    "type": "integer"
                  },
                  "version": {
                    "type": "string"
                  }
                }
              },
              "Migration": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "to": {
                    "$ref": "#/components/schemas/DeploymentReference"
                  },
                  "from": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/DeploymentReference"
                    }
                  },
                  "map_state": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "set": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "drop": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "dry_run": {
                    "type": "boolean"
                  }
                }
              },
              "CaseMove": {
                "type": "object",
                "properties": {
                  "case": {
                    "type": "string"
                  },
                  "workflow": {
                    "type": "string"
                  },
                  "from_version": {
                    "type": "string"
                  },
                  "from_state": {
                    "type": "string"
                  },
                  "to_state": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "problems": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "MigrationResult": {
                "type": "object",
                "required": [
                  "unit",
                  "to_version",
                  "dry_run",
                  "migrated",
                  "cases"
                ],
                "properties": {
                  "unit": {
                    "type": "string"
                  },
                  "to_version": {
                    "type": "string"
                  },
                  "dry_run": {
                    "type": "boolean"
                  },
                  "migrated": {
                    "type": "boolean"
                  },
                  "cases": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/CaseMove"
                    }
                  }
                }
              },
              "Appraise": {
                "type": "object",
                "required": [
                  "period"
                ],
                "additionalProperties": false,
                "properties": {
                  "appraisal": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "The appraisal's name; may be left out when the unit has one."
                  },
                  "period": {
                    "type": "string",
                    "pattern": "^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$",
                    "description": "2024, 2024-H1, 2024-Q3 or 2024-11, of the appraisal's kind of period."
                  },
                  "role": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "Only the people of this role's package."
                  },
                  "facts": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "string"
                    },
                    "description": "Imported facts: CSV texts, each with a `person` column and one per imported fact (as `gridflow appraise --facts FILE`)."
                  },
                  "dry_run": {
                    "type": [
                      "boolean",
                      "null"
                    ],
                    "description": "Score only: store nothing, perform no consequence."
                  }
                }
              },
              "AppraisalResult": {
                "type": "object",
                "required": [
                  "unit",
                  "appraisal",
                  "period",
                  "dry_run",
                  "stored",
                  "results",
                  "consequences",
                  "already_performed",
                  "not_appraised",
                  "failed"
                ],
                "properties": {
                  "unit": {
                    "type": "string"
                  },
                  "appraisal": {
                    "type": "string"
                  },
                  "period": {
                    "type": "string"
                  },
                  "dry_run": {
                    "type": "boolean"
                  },
                  "stored": {
                    "type": "boolean"
                  },
                  "results": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "person",
                        "role",
                        "total",
                        "grade",
                        "vetoed_by"
                      ],
                      "properties": {
                        "person": {
                          "type": "string"
                        },
                        "role": {
                          "type": "string"
                        },
                        "total": {
                          "type": "number"
                        },
                        "grade": {
                          "type": "string"
                        },
                        "vetoed_by": {
                          "type": [
                            "string",
                            "null"
                          ]
                        }
                      }
                    }
                  },
                  "consequences": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "person": {
                          "type": "string"
                        },
                        "role": {
                          "type": "string"
                        },
                        "grade": {
                          "type": "string"
                        },
                        "kind": {
                          "type": "string"
                        },
                        "case": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "details": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "already_performed": {
                    "type": "integer"
                  },
                  "not_appraised": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "person": {
                          "type": "string"
                        },
                        "role": {
                          "type": "string"
                        },
                        "reason": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "failed": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "BulletinRow": {
                "type": "object",
                "required": [
                  "key",
                  "cases"
                ],
                "properties": {
                  "key": {
                    "type": "string"
                  },
                  "cases": {
                    "type": "integer"
                  }
                },
                "additionalProperties": {
                  "type": [
                    "number",
                    "null"
                  ]
                },
                "description": "A row: its key, its case count and each measure by name (null where it has no value)."
              },
              "Bulletin": {
                "type": "object",
                "required": [
                  "report",
                  "unit",
                  "period",
                  "workflow",
                  "overall",
                  "groups"
                ],
                "properties": {
                  "report": {
                    "type": "string"
                  },
                  "unit": {
                    "type": "string"
                  },
                  "period": {
                    "type": "string"
                  },
                  "workflow": {
                    "type": "string"
                  },
                  "overall": {
                    "$ref": "#/components/schemas/BulletinRow"
                  },
                  "groups": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/BulletinRow"
                      }
                    }
                  }
                }
              },
              "File": {
                "type": "object",
                "required": [
                  "id",
                  "unit",
                  "file_space",
                  "space",
                  "folder",
                  "name",
                  "content_type",
                  "size",
                  "sha256",
                  "owner",
                  "uploaded_at",
                  "deleted_at",
                  "deleted_by"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "unit": {
                    "type": "string"
                  },
                  "file_space": {
                    "type": "string"
                  },
                  "space": {
                    "type": "string"
                  },
                  "folder": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "content_type": {
                    "type": "string"
                  },
                  "size": {
                    "type": "integer"
                  },
                  "sha256": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$"
                  },
                  "owner": {
                    "type": "string"
                  },
                  "uploaded_at": {
                    "type": "string"
                  },
                  "deleted_at": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "deleted_by": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "FileList": {
                "type": "object",
                "required": [
                  "file_space",
                  "space",
                  "title",
                  "folders",
                  "folder_titles",
                  "folder",
                  "files"
                ],
                "properties": {
                  "file_space": {
                    "type": "string"
                  },
                  "space": {
                    "type": "string"
                  },
                  "title": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "folders": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "folder_titles": {
                    "type": "object",
                    "description": "Each folder's title as the FileSpace gives it (in the unit's language), by folder name; null when it has none.",
                    "additionalProperties": {
                      "type": [
                        "string",
                        "null"
                      ]
                    }
                  },
                  "folder": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "files": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/File"
                    }
                  }
                }
              },
              "FileHistory": {
                "type": "object",
                "required": [
                  "space",
                  "events"
                ],
                "properties": {
                  "space": {
                    "type": "string"
                  },
                  "events": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "id",
                        "file_id",
                        "name",
                        "space",
                        "action",
                        "by",
                        "at",
                        "from",
                        "to"
                      ],
                      "properties": {
                        "id": {
                          "type": "integer"
                        },
                        "file_id": {
                          "type": "integer"
                        },
                        "name": {
                          "type": "string"
                        },
                        "space": {
                          "type": "string"
                        },
                        "action": {
                          "type": "string",
                          "enum": [
                            "upload",
                            "move",
                            "delete"
                          ]
                        },
                        "by": {
                          "type": "string"
                        },
                        "at": {
                          "type": "string"
                        },
                        "from": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "to": {
                          "type": [
                            "string",
                            "null"
                          ]
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
