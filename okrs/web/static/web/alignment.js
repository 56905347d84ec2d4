/* The alignment map: company goals -> team objectives -> key results -> initiatives.
 *
 * Drawn with cytoscape from GET /api/v1/alignment. The tree is kept here and only the visible
 * part is handed to cytoscape: the large organisation has thousands of nodes, and laying out the
 * few hundred that are open is what keeps the page usable. Everything above team level starts
 * open; team objectives start collapsed. Filters hide, they never open anything; search and
 * "Expand matches" open the way to what they found.
 *
 * window.okrsMap exposes the state for the browser tests (and for anyone curious in a console).
 */
(function () {
  "use strict";

  var configElement = document.getElementById("alignment-config");
  var container = document.getElementById("alignment-map");
  if (!configElement || !container) return;
  var config = JSON.parse(configElement.textContent);

  var STATUS = {
    on_track: { symbol: "✓", text: "On track", stroke: "#1e7a46", fill: "#e8f5ed" },
    at_risk: { symbol: "!", text: "At risk", stroke: "#a15c00", fill: "#fdf2e2" },
    off_track: { symbol: "✕", text: "Off track", stroke: "#b3261e", fill: "#fbeae9" },
  };
  var NO_STATUS = { symbol: "–", text: "No status", stroke: "#5b6576", fill: "#ffffff" };
  var INITIATIVE = {
    planned: "Planned",
    in_progress: "In progress",
    done: "Done",
    dropped: "Dropped",
  };
  var KIND = { objective: "Objective", key_result: "Key result", initiative: "Initiative" };
  var LEVEL = { company: "Company goal", team: "Team objective", individual: "Individual objective" };
  var TREE_EDGES = { key_result: true, aligns_to: true, initiative: true };
  var TITLE_LENGTH = 70;
  var SEARCH_REVEAL_LIMIT = 50;
  var MIN_READABLE_ZOOM = 0.35;
  var READABLE_ZOOM = 0.7;

  var form = document.getElementById("alignment-controls");
  var summary = document.getElementById("map-summary");
  var focusAnnouncer = document.getElementById("map-focus");
  var outline = document.getElementById("alignment-outline");
  var revealButton = document.querySelector('[data-map-action="reveal"]');
  var controls = {
    cycle: document.getElementById("align-cycle"),
    team: document.getElementById("align-team"),
    status: document.getElementById("align-status"),
    owner: document.getElementById("align-owner"),
    q: document.getElementById("align-search"),
  };

  // --- the model: nodes by id, one parent each (the tree edges), extra contributes_to links --

  var nodes = new Map();
  var roots = [];
  var links = []; // contributes_to edges: drawn, never part of the tree
  var open = new Set();
  var allowed = null; // ids that pass the filters (with their ancestors), null when no filter
  var matching = null; // ids that match the filters themselves
  var found = new Set(); // ids the search found
  var focusedId = null;
  var cy = null;

  function buildModel(data) {
    data.nodes.forEach(function (raw) {
      nodes.set(raw.id, Object.assign({}, raw, { parent: null, children: [], depth: 0 }));
    });
    data.edges.forEach(function (edge) {
      var from = nodes.get(edge.from);
      var to = nodes.get(edge.to);
      if (!from || !to || from === to) return;
      if (TREE_EDGES[edge.kind] && to.parent === null) {
        to.parent = from.id;
        to.edgeKind = edge.kind;
        from.children.push(to.id);
      } else {
        links.push(edge);
      }
    });
    (data.orphans || []).forEach(function (key) {
      var node = nodes.get("objective:" + key);
      if (node) node.orphan = true;
    });
    // Walk down from the roots; a loop of parents (never saved, but never trust it) is cut.
    var reached = new Set();
    function walk(id, depth, team) {
      if (reached.has(id)) return;
      reached.add(id);
      var node = nodes.get(id);
      node.depth = depth;
      node.teamKey = node.team || team; // initiatives carry no team: they inherit it
      node.children.forEach(function (child) {
        walk(child, depth + 1, node.teamKey);
      });
    }
    nodes.forEach(function (node) {
      if (node.parent === null) roots.push(node.id);
    });
    roots.forEach(function (id) {
      walk(id, 0, null);
    });
    nodes.forEach(function (node) {
      if (!reached.has(node.id)) {
        var parent = nodes.get(node.parent);
        parent.children = parent.children.filter(function (c) {
          return c !== node.id;
        });
        node.parent = null;
        roots.push(node.id);
        walk(node.id, 0, null);
      }
    });
  }

  function isStructural(node) {
    // Company goals and team objectives are shown from the start; what hangs below them is not.
    return node.type === "objective" && (node.context || node.level === "company" || node.level === "team");
  }

  function defaultOpen() {
    open = new Set();
    nodes.forEach(function (node) {
      if (!isStructural(node)) return;
      var up = node.parent;
      while (up !== null && !open.has(up)) {
        open.add(up);
        up = nodes.get(up).parent;
      }
    });
  }

  function openPathTo(id) {
    var up = nodes.get(id).parent;
    while (up !== null) {
      open.add(up);
      up = nodes.get(up).parent;
    }
  }

  // --- filters ----------------------------------------------------------------------------

  function teamSubtree(key) {
    var keys = new Set([key]);
    var grew = true;
    while (grew) {
      grew = false;
      config.teams.forEach(function (team) {
        if (team.parent && keys.has(team.parent) && !keys.has(team.key)) {
          keys.add(team.key);
          grew = true;
        }
      });
    }
    return keys;
  }

  function currentFilters() {
    return {
      team: controls.team ? controls.team.value : "",
      status: controls.status ? controls.status.value : "",
      owner: controls.owner ? controls.owner.value : "",
    };
  }

  function applyFilters() {
    var f = currentFilters();
    if (!f.team && !f.status && !f.owner) {
      allowed = null;
      matching = null;
      return;
    }
    var teams = f.team ? teamSubtree(f.team) : null;
    matching = new Set();
    allowed = new Set();
    nodes.forEach(function (node) {
      if (node.context) return;
      if (teams && !teams.has(node.teamKey)) return;
      if (f.owner && node.owner !== f.owner) return;
      if (f.status) {
        if (node.type === "initiative") return; // initiatives have a delivery state, not a status
        if ((STATUS[node.status] ? node.status : "none") !== f.status) return;
      }
      matching.add(node.id);
    });
    matching.forEach(function (id) {
      var at = id;
      while (at !== null && !allowed.has(at)) {
        allowed.add(at);
        at = nodes.get(at).parent;
      }
    });
  }

  function isAllowed(id) {
    return allowed === null || allowed.has(id);
  }

  // --- what is visible: allowed, and every ancestor open -------------------------------------

  function visibleIds() {
    var shown = [];
    function visit(id) {
      if (!isAllowed(id)) return;
      shown.push(id);
      if (!open.has(id)) return;
      nodes.get(id).children.forEach(visit);
    }
    roots.forEach(visit);
    return shown;
  }

  function hiddenChildren(node) {
    if (open.has(node.id)) return 0;
    return node.children.filter(isAllowed).length;
  }

  function statusOf(node) {
    if (node.type === "initiative") {
      return { symbol: "◆", text: INITIATIVE[node.status] || "Initiative", stroke: "#5b6576", fill: "#ffffff" };
    }
    return STATUS[node.status] || NO_STATUS;
  }

  function scoreText(node) {
    return typeof node.score === "number" ? " · " + Math.round(node.score * 100) + "%" : "";
  }

  function shortTitle(node) {
    var title = node.title || node.key;
    return title.length > TITLE_LENGTH ? title.slice(0, TITLE_LENGTH - 1) + "…" : title;
  }

  function labelOf(node) {
    var status = statusOf(node);
    var lines = [shortTitle(node)];
    var second = status.symbol + " " + status.text + scoreText(node);
    if (node.context) second = "Context" + (node.cycle ? " · " + node.cycle : "");
    if (node.orphan) second += " · not aligned";
    var hidden = hiddenChildren(node);
    if (hidden) second += "   ▸ " + hidden + " more";
    else if (node.children.some(isAllowed)) second += "   ▾";
    lines.push(second);
    return lines.join("\n");
  }

  function describe(node) {
    var kind = node.type === "objective" ? LEVEL[node.level] || KIND.objective : KIND[node.type];
    var status = statusOf(node);
    var text = kind + ": " + node.title + ". " + status.text + scoreText(node).replace(" · ", ", ") + ".";
    var hidden = hiddenChildren(node);
    var shownKids = node.children.filter(isAllowed).length;
    if (hidden) text += " Collapsed, " + hidden + " below.";
    else if (shownKids) text += " Expanded, " + shownKids + " below.";
    return text;
  }

  function pageOf(node) {
    if (node.type === "objective") return "/objectives/" + encodeURIComponent(node.key) + "/";
    var parts = node.key.split("/");
    if (node.type === "key_result") {
      return "/key-results/" + encodeURIComponent(parts[0]) + "/" + encodeURIComponent(parts[1]) + "/";
    }
    return "/objectives/" + encodeURIComponent(parts[0]) + "/";
  }

  // --- drawing --------------------------------------------------------------------------------

  function nodeClasses(node) {
    var classes = [node.type];
    if (node.level) classes.push(node.level);
    if (node.context) classes.push("context");
    if (matching !== null && !matching.has(node.id)) classes.push("dimmed");
    if (found.has(node.id)) classes.push("found");
    if (node.id === focusedId) classes.push("focused");
    return classes.join(" ");
  }

  function nodeData(node) {
    var status = statusOf(node);
    return {
      id: node.id,
      label: labelOf(node),
      stroke: node.context ? "#9aa3b2" : status.stroke,
      fill: node.context ? "#eceef2" : status.fill,
    };
  }

  function syncGraph(options) {
    options = options || {};
    var ids = visibleIds();
    var want = new Set(ids);
    var anchor = options.anchor && want.has(options.anchor) ? cy.getElementById(options.anchor) : null;
    var before = anchor && anchor.nonempty() ? Object.assign({}, anchor.renderedPosition()) : null;
    if (focusedId && !want.has(focusedId)) focusedId = null;

    cy.batch(function () {
      cy.nodes().forEach(function (ele) {
        if (!want.has(ele.id())) ele.remove();
      });
      var adding = [];
      ids.forEach(function (id) {
        var node = nodes.get(id);
        var ele = cy.getElementById(id);
        if (ele.empty()) {
          adding.push({ group: "nodes", data: nodeData(node), classes: nodeClasses(node) });
        } else {
          ele.data(nodeData(node));
          ele.classes(nodeClasses(node));
        }
      });
      ids.forEach(function (id) {
        var node = nodes.get(id);
        if (node.parent !== null && want.has(node.parent)) {
          var edgeId = "tree:" + id;
          if (cy.getElementById(edgeId).empty()) {
            adding.push({
              group: "edges",
              data: { id: edgeId, source: node.parent, target: id },
              classes: "tree " + node.edgeKind,
            });
          }
        }
      });
      links.forEach(function (link, index) {
        var edgeId = "link:" + index;
        if (want.has(link.from) && want.has(link.to) && cy.getElementById(edgeId).empty()) {
          adding.push({
            group: "edges",
            data: { id: edgeId, source: link.from, target: link.to },
            classes: "contributes_to",
          });
        }
      });
      cy.add(adding);
    });

    var layoutRoots = cy.nodes().filter(function (ele) {
      var parent = nodes.get(ele.id()).parent;
      return parent === null || !want.has(parent);
    });
    // Breadthfirst spreads the levels over the box it is given (the whole container by
    // default): a box sized from the widest level keeps small trees compact.
    var perLevel = {};
    ids.forEach(function (id) {
      var depth = nodes.get(id).depth;
      perLevel[depth] = (perLevel[depth] || 0) + 1;
    });
    var widest = Math.max.apply(null, Object.values(perLevel).concat([1]));
    var levels = Object.keys(perLevel).length || 1;
    cy.elements()
      .filter(function (ele) {
        return ele.isNode() || ele.hasClass("tree");
      })
      .layout({
        name: "breadthfirst",
        directed: true,
        roots: layoutRoots,
        spacingFactor: 1.05,
        avoidOverlap: true,
        animate: false,
        fit: false,
        boundingBox: { x1: 0, y1: 0, w: widest * 240, h: levels * 120 },
      })
      .run();
    if (before && anchor) {
      // Keep the node that was clicked where it was, then bring what opened below it into view.
      var after = anchor.renderedPosition();
      cy.panBy({ x: before.x - after.x, y: before.y - after.y });
      bringIntoView(anchor.union(anchor.outgoers("node")));
    } else {
      overview();
    }
    container.setAttribute("data-visible-nodes", String(ids.length));
    announceSummary(ids.length);
  }

  function fitAtMost(eles, maxZoom) {
    if (eles.empty()) return;
    cy.fit(eles, 24);
    if (cy.zoom() > maxZoom) {
      cy.zoom(maxZoom);
      cy.center(eles);
    }
  }

  function overview() {
    fitAtMost(cy.nodes(), 1);
    if (cy.zoom() >= MIN_READABLE_ZOOM) return;
    // The whole of a big plan is a strip too thin to read: start at the company goals instead,
    // readable, with "Fit" one click away.
    var goals = cy.nodes(".company");
    if (goals.empty()) goals = cy.nodes();
    cy.zoom(READABLE_ZOOM);
    cy.center(goals);
    cy.panBy({ x: 0, y: 24 - goals.renderedBoundingBox().y1 });
  }

  function bringIntoView(eles) {
    var box = eles.renderedBoundingBox();
    if (box.x1 >= 0 && box.y1 >= 0 && box.x2 <= cy.width() && box.y2 <= cy.height()) return;
    fitAtMost(eles, cy.zoom());
  }

  function announceSummary(visibleCount) {
    var text = "Showing " + visibleCount + " of " + nodes.size + " nodes.";
    var hiddenMatches = 0;
    if (matching !== null) {
      var shown = new Set(visibleIds());
      matching.forEach(function (id) {
        if (!shown.has(id)) hiddenMatches += 1;
      });
      text += " " + matching.size + " match the filters";
      text += hiddenMatches ? ", " + hiddenMatches + " of them inside collapsed items." : ".";
    }
    if (found.size) text += " Search found " + found.size + ".";
    summary.textContent = text;
    if (revealButton) revealButton.hidden = hiddenMatches === 0;
  }

  function toggle(id) {
    var node = nodes.get(id);
    if (!node || !node.children.some(isAllowed)) return;
    if (open.has(id)) open.delete(id);
    else open.add(id);
    syncGraph({ anchor: id });
    renderOutline();
  }

  function openPage(id) {
    var node = nodes.get(id);
    if (node) window.location.assign(pageOf(node));
  }

  // --- keyboard on the map: a focused node, arrows to move, Space to toggle, Enter to open ----

  function setFocus(id) {
    var previous = focusedId;
    focusedId = id;
    [previous, id].forEach(function (nodeId) {
      if (!nodeId) return;
      var ele = cy.getElementById(nodeId);
      if (ele.nonempty()) ele.classes(nodeClasses(nodes.get(nodeId)));
    });
    if (!id) return;
    var ele = cy.getElementById(id);
    var box = ele.renderedBoundingBox();
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) cy.center(ele);
    focusAnnouncer.textContent = describe(nodes.get(id));
  }

  function visibleSiblings(id) {
    var parent = nodes.get(id).parent;
    var ids = parent !== null && cy.getElementById(parent).nonempty() ? nodes.get(parent).children : roots;
    return ids.filter(function (c) {
      return cy.getElementById(c).nonempty();
    });
  }

  function onKey(event) {
    if (event.target !== container) return;
    var key = event.key;
    if (key === "+" || key === "=") {
      zoomBy(1.25);
    } else if (key === "-") {
      zoomBy(0.8);
    } else if (key === "0") {
      fitAtMost(cy.nodes(), 1);
    } else if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home"].indexOf(key) !== -1) {
      var id = focusedId;
      if (!id || key === "Home") {
        var first = roots.find(function (r) {
          return cy.getElementById(r).nonempty();
        });
        if (first) setFocus(first);
      } else if (key === "ArrowUp") {
        var parent = nodes.get(id).parent;
        if (parent !== null && cy.getElementById(parent).nonempty()) setFocus(parent);
      } else if (key === "ArrowDown") {
        var child = nodes.get(id).children.find(function (c) {
          return cy.getElementById(c).nonempty();
        });
        if (child) setFocus(child);
      } else {
        var siblings = visibleSiblings(id);
        var at = siblings.indexOf(id) + (key === "ArrowRight" ? 1 : -1);
        if (at >= 0 && at < siblings.length) setFocus(siblings[at]);
      }
    } else if ((key === " " || key === "Spacebar") && focusedId) {
      toggle(focusedId);
      setFocus(focusedId);
    } else if (key === "Enter" && focusedId) {
      openPage(focusedId);
    } else {
      return;
    }
    event.preventDefault();
  }

  function zoomBy(factor) {
    cy.zoom({
      level: cy.zoom() * factor,
      renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 },
    });
  }

  // --- search ---------------------------------------------------------------------------------

  function search(query) {
    query = (query || "").trim().toLowerCase();
    found = new Set();
    if (query) {
      nodes.forEach(function (node) {
        if (!isAllowed(node.id)) return;
        var text = (node.title + " " + node.key + " " + (node.owner || "")).toLowerCase();
        if (text.indexOf(query) !== -1) found.add(node.id);
      });
      Array.from(found)
        .slice(0, SEARCH_REVEAL_LIMIT)
        .forEach(openPathTo);
    }
    syncGraph();
    renderOutline();
    if (!found.size) {
      if (query) summary.textContent += " Nothing matches “" + query + "”.";
      return;
    }
    var hits = cy.nodes(".found");
    if (hits.length === 1) {
      cy.zoom(Math.max(cy.zoom(), 1));
      cy.center(hits);
    } else {
      fitAtMost(hits, 1.5);
    }
    setFocus(hits[0].id());
  }

  // --- the list view: a <details> outline, children built when a branch is first opened -------

  function statusBadge(node) {
    var span = document.createElement("span");
    if (node.type === "initiative") {
      span.className = "status status-none";
      span.textContent = INITIATIVE[node.status] || node.status || "";
    } else {
      var status = STATUS[node.status];
      span.className = "status status-" + (status ? node.status : "none");
      var symbol = document.createElement("span");
      symbol.setAttribute("aria-hidden", "true");
      symbol.textContent = (status || NO_STATUS).symbol;
      span.append(symbol, " " + (status || NO_STATUS).text + scoreText(node));
    }
    return span;
  }

  function outlineLabel(node, into) {
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent =
      (node.type === "objective" ? LEVEL[node.level] || KIND.objective : KIND[node.type]) +
      (node.context ? " (context)" : "") +
      ": ";
    into.append(kind, node.title + " ", statusBadge(node));
    if (found.has(node.id)) {
      var mark = document.createElement("mark");
      mark.textContent = "found";
      into.append(" ", mark);
    }
  }

  function outlineItem(node) {
    var li = document.createElement("li");
    li.dataset.node = node.id;
    if (matching !== null && !matching.has(node.id)) li.className = "dimmed";
    var kids = node.children.filter(isAllowed);
    if (!kids.length) {
      var link = document.createElement("a");
      link.href = pageOf(node);
      outlineLabel(node, link);
      li.append(link);
      return li;
    }
    var details = document.createElement("details");
    var summaryEl = document.createElement("summary");
    outlineLabel(node, summaryEl);
    var openLink = document.createElement("a");
    openLink.href = pageOf(node);
    openLink.className = "open-link";
    openLink.textContent = "Open " + (KIND[node.type] || "page").toLowerCase() + " page";
    var list = document.createElement("ul");
    details.append(summaryEl, openLink, list);
    details.addEventListener("toggle", function () {
      if (details.open && !list.dataset.built) fillList(list, kids);
    });
    if (Array.from(found).some(function (f) { return isBelow(f, node.id); })) {
      details.open = true;
      fillList(list, kids);
    }
    li.append(details);
    return li;
  }

  function isBelow(id, ancestor) {
    var up = nodes.get(id).parent;
    while (up !== null) {
      if (up === ancestor) return true;
      up = nodes.get(up).parent;
    }
    return false;
  }

  function fillList(list, ids) {
    list.dataset.built = "1";
    var fragment = document.createDocumentFragment();
    ids.forEach(function (id) {
      fragment.append(outlineItem(nodes.get(id)));
    });
    list.append(fragment);
  }

  function renderOutline() {
    var list = document.createElement("ul");
    fillList(list, roots.filter(isAllowed));
    outline.replaceChildren(list);
    if (!list.children.length) {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = "Nothing matches the filters.";
      outline.replaceChildren(empty);
    }
  }

  // --- the controls ---------------------------------------------------------------------------

  function rememberInUrl() {
    var params = new URLSearchParams();
    params.set("cycle", config.cycle);
    var f = currentFilters();
    Object.keys(f).forEach(function (name) {
      if (f[name]) params.set(name, f[name]);
    });
    if (controls.q && controls.q.value.trim()) params.set("q", controls.q.value.trim());
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }

  function onFilterChange() {
    applyFilters();
    syncGraph();
    renderOutline();
    rememberInUrl();
  }

  function wireControls() {
    ["team", "status", "owner"].forEach(function (name) {
      if (controls[name]) controls[name].addEventListener("change", onFilterChange);
    });
    form.addEventListener("submit", function (event) {
      // Another cycle is another page; within the cycle, the form filters and searches in place.
      if (controls.cycle && controls.cycle.value !== config.cycle) return;
      event.preventDefault();
      applyFilters();
      search(controls.q ? controls.q.value : "");
      rememberInUrl();
    });
    document.querySelectorAll("[data-map-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-map-action");
        if (action === "zoom-in") zoomBy(1.25);
        else if (action === "zoom-out") zoomBy(0.8);
        else if (action === "fit") fitAtMost(cy.nodes(), 1);
        else if (action === "reset") {
          defaultOpen();
          found = new Set();
          syncGraph();
          renderOutline();
        } else if (action === "reveal" && matching !== null) {
          matching.forEach(openPathTo);
          syncGraph();
          renderOutline();
        }
      });
    });
  }

  // --- start ----------------------------------------------------------------------------------

  function style() {
    return [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          width: 210,
          height: 62,
          label: "data(label)",
          "text-wrap": "wrap",
          "text-max-width": 194,
          "text-valign": "center",
          "text-halign": "center",
          "font-size": 11,
          "font-family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
          color: "#1d2430",
          "background-color": "data(fill)",
          "border-width": 2,
          "border-color": "data(stroke)",
        },
      },
      { selector: "node.company", style: { "font-weight": "bold", "border-width": 3, width: 230 } },
      { selector: "node.key_result", style: { shape: "rectangle", height: 54 } },
      { selector: "node.initiative", style: { shape: "cut-rectangle", height: 46, "font-size": 10 } },
      {
        selector: "node.context",
        style: { color: "#5b6576", "border-style": "dashed", "background-color": "#eceef2" },
      },
      { selector: "node.dimmed", style: { opacity: 0.5 } },
      {
        selector: "node.found",
        style: { "border-width": 5, "border-color": "#2b5fd9", "border-style": "double" },
      },
      {
        selector: "node.focused",
        style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.35, "overlay-padding": 6 },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "#9aa3b2",
          "target-arrow-color": "#9aa3b2",
          "target-arrow-shape": "triangle",
          "curve-style": "taxi",
          "taxi-direction": "downward",
        },
      },
      {
        selector: "edge.contributes_to",
        style: { "line-style": "dashed", "curve-style": "bezier", "line-color": "#5b6576" },
      },
    ];
  }

  function start(data) {
    buildModel(data);
    defaultOpen();
    applyFilters();
    var large = nodes.size > 1500;
    cy = cytoscape({
      container: container,
      style: style(),
      minZoom: 0.05,
      maxZoom: 3,
      boxSelectionEnabled: false,
      autoungrabify: true,
      autounselectify: true,
      // Keep panning smooth on big plans: draw a snapshot while the view moves.
      textureOnViewport: large,
      hideEdgesOnViewport: large,
    });
    // `onetap` waits out the double-click window: a double-click opens the page without the
    // first click re-laying the map out under the pointer.
    cy.on("onetap", "node", function (event) {
      var id = event.target.id();
      toggle(id);
      setFocus(id);
    });
    cy.on("dbltap", "node", function (event) {
      openPage(event.target.id());
    });
    container.addEventListener("keydown", onKey);
    wireControls();
    if (controls.q && controls.q.value.trim()) search(controls.q.value);
    else {
      syncGraph();
      renderOutline();
    }
    container.setAttribute("data-map-state", "ready");
  }

  function fail(message) {
    container.setAttribute("data-map-state", "error");
    var p = document.createElement("p");
    p.className = "map-error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    container.replaceChildren(p);
    summary.textContent = "";
    outline.replaceChildren();
  }

  window.okrsMap = {
    get cy() {
      return cy;
    },
    nodes: nodes,
    totalCount: function () {
      return nodes.size;
    },
    visibleCount: function () {
      return cy ? cy.nodes().length : 0;
    },
    isVisible: function (id) {
      return !!cy && cy.getElementById(id).nonempty();
    },
    renderedPosition: function (id) {
      var ele = cy.getElementById(id);
      if (ele.empty()) return null;
      var box = container.getBoundingClientRect();
      var at = ele.renderedPosition();
      return { x: box.left + at.x, y: box.top + at.y };
    },
    found: function () {
      return Array.from(found);
    },
  };

  var url = config.api + "?cycle=" + encodeURIComponent(config.cycle);
  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("The map could not be loaded (HTTP " + response.status + ").");
      return response.json();
    })
    .then(start)
    .catch(function (error) {
      fail(error.message || "The map could not be loaded.");
    });
})();
