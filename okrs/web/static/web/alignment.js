/* The alignment map: company goals -> team objectives -> key results -> initiatives.
 *
 * Drawn with cytoscape from GET /api/v1/alignment. The tree is kept here and only the visible
 * part is handed to cytoscape: the large organisation has thousands of nodes, and laying out the
 * few hundred that are open is what keeps the page usable. Everything above team level starts
 * open; team objectives start collapsed. Filters hide, they never open anything; search and
 * "Expand matches" open the way to what they found.
 *
 * The layout is ours, not a cytoscape one: each top-level node (the company goals first) heads a
 * column, and what hangs below it is indented under it, so a goal's column is one node wide
 * however many objectives align to it. The columns flow in as many rows as keep the company goals
 * readable in the map's width; opening (and "Fit") frames the company goals.
 *
 * Labels keep a readable size on screen: the font grows as the map zooms out (titles shortened to
 * what fits, the tooltip has the whole) until the nodes get too small to hold text; below that
 * zoom the labels give way to the tooltip, shown on hover and for the node focused with the
 * keyboard. The map element says which in `data-labels` ("shown" or "hidden").
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
  var SEARCH_REVEAL_LIMIT = 50;

  // Sizes in the map's own units (one screen pixel at zoom 1).
  var NODE_WIDTH = 200;
  var NODE_HEIGHT = { objective: 78, key_result: 72, initiative: 66 };
  var LABEL_PADDING = 8;
  var INDENT = 16; // a child sits this far right of its parent, the connector in between
  var NODE_GAP = 14; // between nodes of one column
  var COLUMN_GAP = 24;
  var ROW_GAP = 64; // between rows of columns
  var VIEW_PADDING = 16; // screen pixels around what the view frames
  var MAX_FIT_ZOOM = 1;
  // The columns wrap into fewer per row only when a single row would need a smaller zoom.
  var COMFORTABLE_ZOOM = 0.7;
  // The label's size on screen stays between these; where that would need a font too large for
  // the node (zoomed out below LABEL_MIN_ZOOM), the tooltip takes over.
  var FONT_MIN_PX = 11;
  var FONT_MAX_PX = 16;
  var FONT_AT_ZOOM_1 = 12;
  var LABEL_MIN_ZOOM = 0.5;
  var LINE_HEIGHT = 1.05;
  // Of the font size: an average for the sans-serif faces in use (bold for the company goals).
  var CHAR_WIDTH = { normal: 0.55, bold: 0.66 };

  var form = document.getElementById("alignment-controls");
  var summary = document.getElementById("map-summary");
  var focusAnnouncer = document.getElementById("map-focus");
  var outline = document.getElementById("alignment-outline");
  var revealButton = document.querySelector('[data-map-action="reveal"]');
  var tooltip = document.getElementById("map-tooltip");
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
  var positions = null; // the last layout: node centres, and the box of the company goals
  var labelsShown = true;
  var labelFont = null; // the font step the labels were last shortened for
  var labelZoom = null; // the zoom they were last sized for
  var hoveredId = null;

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

  // Engineering effort on the node this cycle (docs/effort.md), said in the description.
  function effortText(node) {
    var weeks = node.effort_person_weeks;
    return typeof weeks === "number" && weeks > 0 ? " Effort: " + weeks.toFixed(1) + " person-weeks." : "";
  }

  function titleOf(node) {
    return node.title || node.key;
  }

  function fontSize() {
    // The font in map units that gives a readable size on screen at the current zoom.
    var zoom = cy ? cy.zoom() : 1;
    var onScreen = Math.min(FONT_MAX_PX, Math.max(FONT_MIN_PX, FONT_AT_ZOOM_1 * zoom));
    return onScreen / zoom;
  }

  function charsPerLine(node) {
    var average = node && node.level === "company" ? CHAR_WIDTH.bold : CHAR_WIDTH.normal;
    return Math.max(8, Math.floor((NODE_WIDTH - 2 * LABEL_PADDING) / (fontSize() * average)));
  }

  function statusLine(node, perLine) {
    var status = statusOf(node);
    var hidden = hiddenChildren(node);
    var more = hidden ? "▸ " + hidden + " more" : node.children.some(isAllowed) ? "▾" : "";
    var wide = perLine >= 26; // room for the status in words; narrower, its symbol says it
    var line = node.context
      ? "Context" + (node.cycle ? " · " + node.cycle : "")
      : status.symbol + (wide ? " " + status.text : "") + scoreText(node).replace(wide ? "" : " · ", wide ? "" : " ");
    if (node.orphan) line += " · not aligned";
    if (more) line += (wide ? "   " : " ") + more;
    return line;
  }

  // The title shortened to the lines left in the node at the current font; the tooltip has it all.
  function labelTitle(node, perLine, statusLines) {
    var height = NODE_HEIGHT[node.type] || NODE_HEIGHT.objective;
    var lines = Math.floor((height - LABEL_PADDING) / (fontSize() * LINE_HEIGHT));
    // Words wrap short of the line's end: a fifth of it is kept in hand.
    var budget = Math.floor(Math.max(1, lines - statusLines) * perLine * 0.8);
    var title = titleOf(node);
    if (title.length <= budget) return title;
    var cut = title.slice(0, Math.max(1, budget - 1));
    var wordEnd = cut.lastIndexOf(" ");
    if (wordEnd > budget * 0.6) cut = cut.slice(0, wordEnd); // a whole word wraps more predictably
    return cut.trimEnd() + "…";
  }

  function labelOf(node) {
    var perLine = charsPerLine(node);
    var second = statusLine(node, perLine);
    return labelTitle(node, perLine, Math.ceil(second.length / perLine)) + "\n" + second;
  }

  function describe(node) {
    var kind = node.type === "objective" ? LEVEL[node.level] || KIND.objective : KIND[node.type];
    var status = statusOf(node);
    var text = kind + ": " + node.title + ". " + status.text + scoreText(node).replace(" · ", ", ") + "." + effortText(node);
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
      height: NODE_HEIGHT[node.type] || NODE_HEIGHT.objective,
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

    positions = layoutColumns(ids, want);
    cy.nodes().positions(function (ele) {
      return positions.at[ele.id()];
    });
    if (before && anchor) {
      // Keep the node that was clicked where it was, then bring what opened below it into view.
      var after = anchor.renderedPosition();
      cy.panBy({ x: before.x - after.x, y: before.y - after.y });
      bringIntoView(anchor.union(anchor.outgoers("node")));
    } else {
      overview();
    }
    labelFont = null;
    labelZoom = null;
    refreshLabels();
    container.setAttribute("data-visible-nodes", String(ids.length));
    announceSummary(ids.length);
  }

  // --- the layout: a column per top-level node, its tree indented below it ---------------------

  function heightOf(node) {
    return NODE_HEIGHT[node.type] || NODE_HEIGHT.objective;
  }

  function columnRoots(ids, want) {
    var tops = ids.filter(function (id) {
      var parent = nodes.get(id).parent;
      return parent === null || !want.has(parent);
    });
    var isGoal = function (id) {
      return nodes.get(id).level === "company" && !nodes.get(id).context;
    };
    return tops.filter(isGoal).concat(tops.filter(function (id) { return !isGoal(id); }));
  }

  // One column, positioned from (0, 0): node centres, and the column's width and height.
  function layColumn(rootId, want) {
    var at = {};
    var width = NODE_WIDTH;
    function place(id, left, top) {
      var node = nodes.get(id);
      var height = heightOf(node);
      at[id] = { x: left + NODE_WIDTH / 2, y: top + height / 2 };
      width = Math.max(width, left + NODE_WIDTH);
      var next = top + height + NODE_GAP;
      if (!open.has(id)) return next;
      node.children.forEach(function (child) {
        if (want.has(child)) next = place(child, left + INDENT, next);
      });
      return next;
    }
    var height = place(rootId, 0, 0) - NODE_GAP;
    return { root: rootId, at: at, width: width, height: height };
  }

  // The columns in rows of `perRow`: where each node goes, and the box of the company goals.
  function flow(columns, perRow, goalCount) {
    var at = {};
    var goals = null;
    var top = 0;
    for (var start = 0; start < columns.length; start += perRow) {
      var left = 0;
      var rowHeight = 0;
      columns.slice(start, start + perRow).forEach(function (column, offset) {
        Object.keys(column.at).forEach(function (id) {
          at[id] = { x: column.at[id].x + left, y: column.at[id].y + top };
        });
        if (start + offset < goalCount) {
          var goalBottom = top + heightOf(nodes.get(column.root));
          goals = goals || { x1: 0, y1: 0, x2: 0, y2: 0 };
          goals.x2 = Math.max(goals.x2, left + column.width); // the indented rows, too
          goals.y2 = Math.max(goals.y2, goalBottom);
        }
        left += column.width + COLUMN_GAP;
        rowHeight = Math.max(rowHeight, column.height);
      });
      top += rowHeight + ROW_GAP;
    }
    return { at: at, goals: goals };
  }

  function zoomToFrame(box) {
    var room = { w: cy.width() - 2 * VIEW_PADDING, h: cy.height() - 2 * VIEW_PADDING };
    var zoom = Math.min(MAX_FIT_ZOOM, room.w / (box.x2 - box.x1), room.h / (box.y2 - box.y1));
    return Math.max(cy.minZoom(), zoom);
  }

  function layoutColumns(ids, want) {
    var roots = columnRoots(ids, want);
    var columns = roots.map(function (id) {
      return layColumn(id, want);
    });
    var goalCount = roots.filter(function (id) {
      return nodes.get(id).level === "company" && !nodes.get(id).context;
    }).length;
    if (!goalCount) return flow(columns, Math.max(1, columns.length), 0);
    // All in one row if the goals are comfortable to read so; otherwise the number of columns
    // per row whose goals can be framed at the largest zoom (fewer rows when it is a tie).
    var best = null;
    for (var perRow = columns.length; perRow >= 1; perRow--) {
      if (perRow < columns.length && perRow >= goalCount) continue; // same goals, same frame
      var candidate = flow(columns, perRow, goalCount);
      candidate.zoom = zoomToFrame(candidate.goals);
      if (perRow === columns.length && candidate.zoom >= COMFORTABLE_ZOOM) return candidate;
      if (!best || candidate.zoom > best.zoom + 0.01) best = candidate;
    }
    return best;
  }

  function fitAtMost(eles, maxZoom) {
    if (eles.empty()) return;
    cy.fit(eles, VIEW_PADDING);
    if (cy.zoom() > maxZoom) {
      cy.zoom(maxZoom);
      cy.center(eles);
    }
  }

  // The opening view, and "Fit": the company goals framed, the tree going on below them. A plan
  // small enough to be read whole is shown whole.
  function overview() {
    var all = cy.nodes();
    if (all.empty()) return;
    var whole = all.boundingBox({ includeLabels: false, includeOverlays: false });
    var goals = positions && positions.goals;
    var zoom = zoomToFrame(goals || whole);
    var frame = goals || whole;
    if (zoomToFrame(whole) >= zoom) frame = whole;
    cy.zoom(zoom);
    cy.pan({
      x: cy.width() / 2 - zoom * (frame.x1 + frame.x2) / 2,
      y: frame === whole ? cy.height() / 2 - (zoom * (frame.y1 + frame.y2)) / 2 : VIEW_PADDING - zoom * frame.y1,
    });
  }

  // --- labels that follow the zoom, and the tooltip where they cannot --------------------------

  function refreshLabels() {
    var zoom = cy.zoom();
    if (zoom === labelZoom) {
      placeTooltip(); // a pan: only the tooltip moves with it
      return;
    }
    labelZoom = zoom;
    var shown = zoom >= LABEL_MIN_ZOOM;
    var fontStep = Math.round(fontSize() * 2); // rewritten by the half pixel, not every frame
    var rewrite = shown && fontStep !== labelFont;
    cy.batch(function () {
      if (rewrite) {
        labelFont = fontStep;
        cy.nodes().forEach(function (ele) {
          ele.data("label", labelOf(nodes.get(ele.id())));
        });
      }
      labelsShown = shown;
      cy.style().update();
    });
    container.setAttribute("data-labels", shown ? "shown" : "hidden");
    placeTooltip();
  }

  function labelTellsAll(node) {
    if (!labelsShown) return false;
    var label = cy.getElementById(node.id).data("label") || "";
    return label.slice(0, label.lastIndexOf("\n")) === titleOf(node);
  }

  function tooltipTarget() {
    // The keyboard's node has the tooltip while the map has the focus; the pointer's, always.
    var keyboardId = document.activeElement === container ? focusedId : null;
    var id = hoveredId || keyboardId;
    if (!id || cy.getElementById(id).empty()) return null;
    var node = nodes.get(id);
    // A label that says it all needs no tooltip, except for the node the keyboard is on.
    return labelTellsAll(node) ? null : node;
  }

  function placeTooltip() {
    var node = cy ? tooltipTarget() : null;
    if (!node) {
      tooltip.hidden = true;
      return;
    }
    var status = statusOf(node);
    var title = document.createElement("strong");
    title.textContent = titleOf(node);
    var detail = document.createElement("span");
    detail.textContent = node.context
      ? "Context" + (node.cycle ? " · " + node.cycle : "")
      : status.symbol + " " + status.text + scoreText(node) + (node.orphan ? " · not aligned" : "");
    tooltip.replaceChildren(title, detail);
    tooltip.hidden = false;
    var box = cy.getElementById(node.id).renderedBoundingBox({ includeLabels: false });
    var frame = container.getBoundingClientRect();
    var offset = { x: container.offsetLeft, y: container.offsetTop };
    var width = tooltip.offsetWidth;
    var height = tooltip.offsetHeight;
    var left = Math.min(Math.max((box.x1 + box.x2) / 2 - width / 2, 4), frame.width - width - 4);
    var top = box.y1 - height - 6 >= 0 ? box.y1 - height - 6 : Math.min(box.y2 + 6, frame.height - height - 4);
    tooltip.style.left = offset.x + left + "px";
    tooltip.style.top = offset.y + top + "px";
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
    if (!id) {
      placeTooltip();
      return;
    }
    var ele = cy.getElementById(id);
    var box = ele.renderedBoundingBox();
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) cy.center(ele);
    focusAnnouncer.textContent = describe(nodes.get(id));
    placeTooltip();
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
      overview();
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
        else if (action === "fit") overview();
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
          width: NODE_WIDTH,
          height: "data(height)",
          label: function (ele) {
            return labelsShown ? ele.data("label") : "";
          },
          "text-wrap": "wrap",
          "text-max-width": NODE_WIDTH - 2 * LABEL_PADDING,
          "text-valign": "center",
          "text-halign": "center",
          "font-size": fontSize,
          "line-height": LINE_HEIGHT,
          "font-family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
          color: "#1d2430",
          "background-color": "data(fill)",
          "border-width": 2,
          "border-color": "data(stroke)",
        },
      },
      { selector: "node.company", style: { "font-weight": "bold", "border-width": 3 } },
      { selector: "node.key_result", style: { shape: "rectangle" } },
      { selector: "node.initiative", style: { shape: "cut-rectangle" } },
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
          "curve-style": "bezier",
        },
      },
      {
        // The indented tree's connector: from under the parent's left end into the child's side.
        selector: "edge.tree",
        style: {
          "curve-style": "straight",
          "source-endpoint": -NODE_WIDTH / 2 + INDENT / 2 + "px 50%",
          "target-endpoint": "-50% 0%",
          "arrow-scale": 0.8,
        },
      },
      {
        selector: "edge.contributes_to",
        style: { "line-style": "dashed", "line-color": "#5b6576" },
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
    cy.on("mouseover", "node", function (event) {
      hoveredId = event.target.id();
      placeTooltip();
    });
    cy.on("mouseout", "node", function () {
      hoveredId = null;
      placeTooltip();
    });
    // A pointer that leaves the map straight from a node gives cytoscape no "mouseout".
    container.addEventListener("mouseleave", function () {
      hoveredId = null;
      placeTooltip();
    });
    var pending = false;
    cy.on("viewport", function () {
      // Many viewport events per wheel turn: the labels follow once per frame.
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        refreshLabels();
      });
    });
    container.addEventListener("keydown", onKey);
    container.addEventListener("focus", placeTooltip);
    container.addEventListener("blur", placeTooltip);
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
    focused: function () {
      return focusedId;
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
