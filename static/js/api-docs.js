// Renders /api/v1/openapi.json as a readable page: operations grouped by tag, with their
// parameters, request bodies, responses and schemas. No external code; text only (no HTML
// from the description is ever interpreted).
(function () {
  "use strict";

  var DESCRIPTION_URL = "/api/v1/openapi.json";
  var doc = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attrs[name];
      } else {
        node.setAttribute(name, attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) {
        return;
      }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // A small subset of Markdown: paragraphs, **bold** and `code`.
  function inline(text) {
    var parts = [];
    var pattern = /(\*\*[^*]+\*\*|`[^`]+`)/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) {
        parts.push(text.slice(last, match.index));
      }
      var token = match[0];
      if (token.charAt(0) === "`") {
        parts.push(el("code", { text: token.slice(1, -1) }));
      } else {
        parts.push(el("strong", { text: token.slice(2, -2) }));
      }
      last = match.index + token.length;
    }
    if (last < text.length) {
      parts.push(text.slice(last));
    }
    return parts;
  }

  function paragraphs(text) {
    return (text || "").split(/\n\s*\n/).filter(function (chunk) {
      return chunk.trim() !== "";
    }).map(function (chunk) {
      return el("p", {}, inline(chunk.replace(/\s*\n\s*/g, " ")));
    });
  }

  function resolve(schema) {
    if (schema && schema.$ref) {
      var name = schema.$ref.split("/").pop();
      return (doc.components && doc.components.schemas && doc.components.schemas[name]) || {};
    }
    return schema || {};
  }

  function typeNames(schema) {
    var type = schema.type;
    if (Array.isArray(type)) {
      return type;
    }
    return type ? [type] : [];
  }

  // One line saying what a value must be.
  function describe(schema) {
    schema = resolve(schema);
    var types = typeNames(schema);
    var nullable = types.indexOf("null") !== -1;
    var main = types.filter(function (t) { return t !== "null"; });
    var words = [];
    if (schema.enum) {
      var options = schema.enum.filter(function (v) { return v !== null; }).map(function (v) {
        return v === "" ? "\"\" (empty)" : String(v);
      });
      words.push("one of: " + options.join(", "));
    } else if (main.indexOf("array") !== -1) {
      var items = resolve(schema.items || {});
      words.push("list of " + (items.type === "object" ? "objects" : describe(items)));
      if (schema.uniqueItems) { words.push("no repeats"); }
      if (schema.maxItems !== undefined) { words.push("at most " + schema.maxItems); }
    } else {
      words.push(main.join(" or ") || (schema.const !== undefined ? "exactly " + JSON.stringify(schema.const) : "any"));
    }
    if (schema.format) { words.push("(" + schema.format + ")"); }
    if (schema.minLength === 1) { words.push("not empty"); }
    if (schema.maxLength !== undefined) { words.push("≤ " + schema.maxLength + " characters"); }
    if (schema.minimum !== undefined && schema.maximum !== undefined) {
      words.push(schema.minimum + "–" + schema.maximum);
    } else if (schema.minimum !== undefined) {
      words.push("≥ " + schema.minimum);
    }
    if (schema["x-pattern-message"]) { words.push(schema["x-pattern-message"]); }
    if (schema.default !== undefined) { words.push("default " + JSON.stringify(schema.default)); }
    if (nullable) { words.push("or null"); }
    return words.join(", ");
  }

  function rulesOf(schema) {
    var rules = [];
    (schema.allOf || []).forEach(function (part) {
      if (part.anyOf) {
        var names = [];
        part.anyOf.forEach(function (option) {
          (option.required || []).forEach(function (n) { names.push(n); });
        });
        if (names.length) {
          rules.push("At least one of " + names.join(" or ") + " must say something.");
        } else {
          rules.push("Further rules apply between fields; see the field descriptions.");
        }
      }
    });
    return rules;
  }

  // A table of an object's fields; nested objects get their own table.
  function schemaTable(schema, depth) {
    schema = resolve(schema);
    depth = depth || 0;
    var types = typeNames(schema);
    if (types.indexOf("array") !== -1 && schema.items) {
      var items = resolve(schema.items);
      if (items.type === "object") {
        return el("div", {}, [el("p", { class: "api-note", text: "A list of:" }), schemaTable(items, depth + 1)]);
      }
    }
    if (!schema.properties) {
      return el("p", { class: "api-note", text: describe(schema) });
    }
    var required = schema.required || [];
    var rows = Object.keys(schema.properties).map(function (name) {
      var property = resolve(schema.properties[name]);
      var nested = null;
      var propertyItems = resolve(property.items || {});
      if (depth < 3 && (property.properties || propertyItems.properties)) {
        nested = el("details", {}, [el("summary", { text: "fields" }), schemaTable(property, depth + 1)]);
      }
      return el("tr", {}, [
        el("th", { scope: "row" }, [el("code", { text: name })]),
        el("td", { text: required.indexOf(name) !== -1 ? "yes" : "" }),
        el("td", {}, [describe(property), nested]),
        el("td", { text: property.description || "" })
      ]);
    });
    var table = el("table", { class: "list api-schema" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: "Field" }),
        el("th", { scope: "col", text: "Required" }),
        el("th", { scope: "col", text: "Value" }),
        el("th", { scope: "col", text: "Meaning" })
      ])]),
      el("tbody", {}, rows)
    ]);
    var rules = rulesOf(schema).map(function (rule) { return el("li", { text: rule }); });
    return el("div", {}, [table, rules.length ? el("ul", { class: "api-note" }, rules) : null]);
  }

  function parametersTable(parameters) {
    var rows = parameters.map(function (p) {
      return el("tr", {}, [
        el("th", { scope: "row" }, [el("code", { text: p.name })]),
        el("td", { text: p.in }),
        el("td", { text: p.required ? "yes" : "" }),
        el("td", { text: describe(p.schema || {}) }),
        el("td", { text: p.description || "" })
      ]);
    });
    return el("table", { class: "list api-schema" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: "Name" }),
        el("th", { scope: "col", text: "In" }),
        el("th", { scope: "col", text: "Required" }),
        el("th", { scope: "col", text: "Value" }),
        el("th", { scope: "col", text: "Meaning" })
      ])]),
      el("tbody", {}, rows)
    ]);
  }

  function anchor(method, path) {
    return "op-" + method + "-" + path.replace(/[^a-z0-9]+/gi, "-").replace(/^-+|-+$/g, "");
  }

  function authNote(operation) {
    var security = operation.security || doc.security || [];
    var optional = security.some(function (entry) { return Object.keys(entry).length === 0; });
    if (!security.length || optional) {
      return el("p", { class: "api-auth api-auth-optional", text: "Token optional: without one you see what anonymous visitors see." });
    }
    return el("p", { class: "api-auth api-auth-required", text: "Needs a token (Authorization: Bearer …)." });
  }

  function responseBlock(status, response) {
    var content = response.content || {};
    var media = Object.keys(content);
    var children = [
      el("summary", {}, [
        el("span", { class: "api-status api-status-" + status.charAt(0), text: status }),
        " " + (response.description || ""),
        media.length ? el("span", { class: "api-media", text: " · " + media.join(", ") }) : null
      ])
    ];
    media.forEach(function (type) {
      if (content[type].schema) {
        children.push(schemaTable(content[type].schema));
      }
    });
    Object.keys(response.headers || {}).forEach(function (name) {
      children.push(el("p", { class: "api-note" }, ["Header ", el("code", { text: name }), ": " + (response.headers[name].description || "")]));
    });
    return el("details", { class: "api-response" }, children);
  }

  function operationSection(method, path, operation) {
    var server = (doc.servers && doc.servers[0] && doc.servers[0].url) || "";
    var parts = [
      el("h3", {}, [
        el("span", { class: "api-method api-method-" + method, text: method.toUpperCase() }),
        " ",
        el("code", { class: "api-path", text: server + path })
      ]),
      el("p", { class: "api-summary", text: operation.summary || "" }),
      authNote(operation)
    ];
    paragraphs(operation.description).forEach(function (p) { parts.push(p); });
    if (operation.parameters && operation.parameters.length) {
      parts.push(el("h4", { text: "Parameters" }), parametersTable(operation.parameters));
    }
    if (operation.requestBody) {
      var bodyContent = operation.requestBody.content || {};
      Object.keys(bodyContent).forEach(function (type) {
        parts.push(el("h4", { text: "Request body (" + type + ")" }), schemaTable(bodyContent[type].schema));
      });
    }
    parts.push(el("h4", { text: "Responses" }));
    Object.keys(operation.responses || {}).sort().forEach(function (status) {
      parts.push(responseBlock(status, operation.responses[status]));
    });
    return el("section", { class: "api-operation panel", id: anchor(method, path) }, parts);
  }

  function render() {
    document.getElementById("api-title").textContent = doc.info.title + " " + doc.info.version;
    document.title = doc.info.title + " · documentation";
    var intro = document.getElementById("api-intro");
    paragraphs(doc.info.description).forEach(function (p) { intro.appendChild(p); });

    var groups = {};
    var order = (doc.tags || []).map(function (tag) { return tag.name; });
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var operation = doc.paths[path][method];
        var tag = (operation.tags && operation.tags[0]) || "other";
        if (order.indexOf(tag) === -1) { order.push(tag); }
        (groups[tag] = groups[tag] || []).push([method, path, operation]);
      });
    });

    var toc = document.getElementById("api-toc");
    var list = el("ul", { class: "api-toc" });
    var operations = document.getElementById("api-operations");
    order.forEach(function (tag) {
      if (!groups[tag]) { return; }
      var info = (doc.tags || []).filter(function (t) { return t.name === tag; })[0];
      var links = groups[tag].map(function (entry) {
        return el("li", {}, [el("a", { href: "#" + anchor(entry[0], entry[1]) }, [
          el("span", { class: "api-method api-method-" + entry[0], text: entry[0].toUpperCase() }),
          " " + entry[1]
        ])]);
      });
      list.appendChild(el("li", {}, [el("a", { href: "#tag-" + tag, text: tag }), el("ul", {}, links)]));
      operations.appendChild(el("h2", { id: "tag-" + tag, text: tag.charAt(0).toUpperCase() + tag.slice(1) }));
      if (info && info.description) {
        operations.appendChild(el("p", { class: "meta", text: info.description }));
      }
      groups[tag].forEach(function (entry) {
        operations.appendChild(operationSection(entry[0], entry[1], entry[2]));
      });
    });
    toc.appendChild(el("h2", { text: "Operations" }));
    toc.appendChild(list);
    var count = Object.keys(doc.paths).reduce(function (n, path) {
      return n + Object.keys(doc.paths[path]).length;
    }, 0);
    document.getElementById("api-status").textContent =
      "OpenAPI " + doc.openapi + " · " + count + " operations · base address " +
      ((doc.servers && doc.servers[0] && doc.servers[0].url) || "/");
  }

  function load() {
    var status = document.getElementById("api-status");
    fetch(DESCRIPTION_URL, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        doc = data;
        render();
        if (window.location.hash) {
          var target = document.getElementById(window.location.hash.slice(1));
          if (target) { target.scrollIntoView(); }
        }
      })
      .catch(function (error) {
        status.textContent = "The API description could not be loaded (" + error.message +
          "). It is at " + DESCRIPTION_URL + ".";
      });
  }

  document.addEventListener("DOMContentLoaded", load);
}());
