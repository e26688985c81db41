"""Found from outside: meta description, canonical link and share previews on public pages;
robots.txt and the sitemap."""
