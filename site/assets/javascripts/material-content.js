// Material for MkDocs' content script (partials/javascripts/content.html), moved to a file so
// that the content security policy can refuse inline scripts.
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))
